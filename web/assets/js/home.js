/* Landing page: nothing to drive beyond the shared header. */
(function () { 'use strict'; })();
