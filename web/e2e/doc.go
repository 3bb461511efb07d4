// Package e2e holds the browser end-to-end tests of keydesk's pages (issue 6): headless
// Chromium against the whole product started in-process by internal/apptest (SQLite, embedded
// Temporal, worker, API and pages). They live apart from package web so that the pages' own
// tests build without the product, and so that only this test binary links the embedded
// Temporal server. Screenshots go to web/testdata/screenshots/ (ignored by git).
package e2e
