package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// Limit is a token bucket: Rate tokens per second, Burst at most.
type Limit struct {
	Rate  rate.Limit
	Burst int
}

// RateLimits are the per-IP limits of each class.
type RateLimits struct {
	Public      Limit
	Login       Limit
	Integration Limit
}

// DefaultRateLimits: buyers 2/s burst 30, logins 10/min burst 10, integrations 50/s burst 200.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		Public:      Limit{Rate: 2, Burst: 30},
		Login:       Limit{Rate: rate.Every(6 * time.Second), Burst: 10},
		Integration: Limit{Rate: 50, Burst: 200},
	}
}

func (r RateLimits) of(class LimitClass) Limit {
	switch class {
	case LimitLogin:
		return r.Login
	case LimitIntegration:
		return r.Integration
	default:
		return r.Public
	}
}

// limiters keeps one bucket per (class, IP); idle buckets are swept.
type limiters struct {
	mu        sync.Mutex
	cfg       RateLimits
	now       func() time.Time
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

func newLimiters(cfg RateLimits, now func() time.Time) *limiters {
	return &limiters{cfg: cfg, now: now, buckets: map[string]*bucket{}}
}

// reserve takes a token; when none is left it returns how long until one is.
func (l *limiters) reserve(class LimitClass, ip string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	key := string(class) + "|" + ip
	b := l.buckets[key]
	if b == nil {
		c := l.cfg.of(class)
		b = &bucket{lim: rate.NewLimiter(c.Rate, c.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	r := b.lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Minute
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

func (l *limiters) sweep(now time.Time) {
	if now.Sub(l.lastSweep) < time.Minute {
		return
	}
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > 10*time.Minute {
			delete(l.buckets, k)
		}
	}
}

// rateLimit answers 429 with Retry-After (whole seconds, at least 1) over the class's limit.
// With staffExempt, requests carrying a validly signed, unexpired staff JWT are not limited
// (agents share office IPs); any other bearer string, however JWT-shaped, is limited like a
// buyer. The signature check needs no database; revocation is checked right after.
func (s *Server) rateLimit(class LimitClass, staffExempt bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if tok := bearer(c); staffExempt && looksLikeJWT(tok) {
			if _, err := s.d.Auth.ParseAccess(tok); err == nil {
				c.Next()
				return
			}
		}
		ok, wait := s.limits.reserve(class, c.ClientIP())
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			if secs < 1 {
				secs = 1
			}
			c.Header("Retry-After", strconv.Itoa(secs))
			s.writeError(c, Errorf(http.StatusTooManyRequests, CodeRateLimited, "too many requests, retry in %d s", secs))
			return
		}
		c.Next()
	}
}
