package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/keydesk/keydesk/models"
	"github.com/keydesk/keydesk/sla"
	"github.com/keydesk/keydesk/store"
	"github.com/keydesk/keydesk/workflows"
)

// AuditSLAChange is the audit action of an SLA policy or calendar edit.
const AuditSLAChange = "sla.policy_change"

type slaPolicyView struct {
	Priority          string  `json:"priority"`
	FirstResponseSecs int64   `json:"first_response_secs"`
	NextResponseSecs  int64   `json:"next_response_secs"`
	ResolutionSecs    int64   `json:"resolution_secs"`
	WarnFraction      float64 `json:"warn_fraction"`
}

type calendarView struct {
	Timezone string `json:"timezone"`
	// Week holds seven window specs, Sunday first ("09:00-12:00,13:00-18:00"; "" = closed).
	Week     []string `json:"week"`
	Holidays []string `json:"holidays"`
}

type slaPoliciesDoc struct {
	Policies []slaPolicyView `json:"policies"`
	Calendar *calendarView   `json:"calendar,omitempty"`
}

var slaPoliciesExample = slaPoliciesDoc{
	Policies: []slaPolicyView{{Priority: "high", FirstResponseSecs: 3600, NextResponseSecs: 7200, ResolutionSecs: 86400, WarnFraction: 0.75}},
	Calendar: &calendarView{Timezone: "Europe/Berlin", Week: []string{"", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-18:00", "09:00-17:00", ""}, Holidays: []string{"2026-12-25"}},
}

func (s *Server) getSLAPolicies(c *gin.Context) error {
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	ps, err := s.d.Store.SLAPolicies(ctx, m)
	if err != nil {
		return err
	}
	doc := slaPoliciesDoc{Policies: make([]slaPolicyView, 0, len(ps))}
	for _, p := range ps {
		doc.Policies = append(doc.Policies, slaPolicyView{p.Priority, p.FirstResponseSecs, p.NextResponseSecs, p.ResolutionSecs, p.WarnFraction})
	}
	cal, err := s.d.Store.BusinessCalendar(ctx, m)
	switch {
	case err == nil:
		cv := calendarView{Timezone: cal.Timezone}
		if err := cal.Week.Decode(&cv.Week); err != nil {
			return fmt.Errorf("calendar week: %w", err)
		}
		if err := cal.Holidays.Decode(&cv.Holidays); err != nil {
			return fmt.Errorf("calendar holidays: %w", err)
		}
		doc.Calendar = &cv
	case !errors.Is(err, store.ErrNotFound):
		return err
	}
	c.JSON(http.StatusOK, doc)
	return nil
}

func validateSLADoc(doc slaPoliciesDoc) error {
	fe := fieldErrors{}
	const maxSecs = 90 * 24 * 3600
	for i, p := range doc.Policies {
		at := fmt.Sprintf("policies[%d].", i)
		fe.check(!validPriority(p.Priority), at+"priority", "one of low, normal, high, urgent")
		for name, v := range map[string]int64{"first_response_secs": p.FirstResponseSecs, "next_response_secs": p.NextResponseSecs, "resolution_secs": p.ResolutionSecs} {
			fe.check(v <= 0 || v > maxSecs, at+name, "between 1 second and 90 days")
		}
		fe.check(p.WarnFraction <= 0 || p.WarnFraction >= 1, at+"warn_fraction", "between 0 and 1 (exclusive)")
	}
	if cal := doc.Calendar; cal != nil {
		_, err := time.LoadLocation(cal.Timezone)
		fe.check(cal.Timezone == "" || err != nil, "calendar.timezone", "an IANA time zone")
		fe.check(len(cal.Week) != 7, "calendar.week", "seven entries, Sunday first")
		for i, spec := range cal.Week {
			if strings.TrimSpace(spec) == "" {
				continue
			}
			_, err := sla.ParseWindows(spec)
			fe.check(err != nil, fmt.Sprintf("calendar.week[%d]", i), "windows like 09:00-12:00,13:00-18:00")
		}
		for i, h := range cal.Holidays {
			_, err := time.Parse("2006-01-02", h)
			fe.check(err != nil, fmt.Sprintf("calendar.holidays[%d]", i), "a date YYYY-MM-DD")
		}
	}
	return fe.err()
}

// putSLAPolicies saves targets (upsert per priority) and optionally the calendar, audited,
// then tells the merchant's open tickets to recompute their deadlines (in the background:
// each is a workflow update; a failure is logged and the ticket picks the policy up at its
// next state change).
func (s *Server) putSLAPolicies(c *gin.Context) error {
	var doc slaPoliciesDoc
	if err := decodeJSON(c, &doc, false); err != nil {
		return err
	}
	if err := validateSLADoc(doc); err != nil {
		return err
	}
	m, err := s.merchant(c)
	if err != nil {
		return err
	}
	err = s.d.Store.InTx(c.Request.Context(), func(ctx context.Context) error {
		ps := make([]models.SLAPolicy, 0, len(doc.Policies))
		for _, p := range doc.Policies {
			ps = append(ps, models.SLAPolicy{MerchantID: m, Priority: p.Priority, FirstResponseSecs: p.FirstResponseSecs,
				NextResponseSecs: p.NextResponseSecs, ResolutionSecs: p.ResolutionSecs, WarnFraction: p.WarnFraction})
		}
		if err := s.d.Store.SaveSLAPolicies(ctx, m, ps); err != nil {
			return err
		}
		if cal := doc.Calendar; cal != nil {
			bc := models.BusinessCalendar{MerchantID: m, Timezone: cal.Timezone, Week: models.MustJSON(cal.Week), Holidays: models.MustJSON(nonNil(cal.Holidays))}
			if old, err := s.d.Store.BusinessCalendar(ctx, m); err == nil {
				bc.EscalationChain = old.EscalationChain
			}
			if err := s.d.Store.SaveBusinessCalendar(ctx, bc); err != nil {
				return err
			}
		}
		return s.audit(ctx, c, auditEntry{Action: AuditSLAChange, TargetType: "merchant", TargetID: uitoa(m), Merchant: m, Data: doc})
	})
	if err != nil {
		return err
	}
	s.notifyPolicyChanged(m, s.actor(c), requestID(c))
	return s.getSLAPolicies(c)
}

// notifyPolicyChanged sends UpdatePolicyChanged to every open ticket of the merchant.
func (s *Server) notifyPolicyChanged(merchant uint64, a actorInfo, reqID string) {
	if s.d.Tickets == nil {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		in := workflows.ActionInput{RequestID: "policy-" + reqID,
			Actor: workflows.Actor{Kind: workflows.ActorAgent, UserID: a.UserID, Name: a.Name, Role: a.Role}}
		f := store.QueueFilter{MerchantID: merchant, Limit: 200}
		for {
			page, next, err := s.d.Store.Queue(ctx, f)
			if err != nil {
				s.log.Warn("policy change: list open tickets", "merchant", merchant, "err", err)
				return
			}
			for _, t := range page {
				if _, err := s.d.Tickets.Act(ctx, merchant, t.ID, workflows.UpdatePolicyChanged, in); err != nil {
					s.log.Warn("policy change: update ticket", "ticket", t.ID, "err", err)
				}
			}
			if next == nil {
				return
			}
			f.After = next
		}
	}()
}
