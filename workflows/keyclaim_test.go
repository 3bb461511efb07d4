package workflows

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/fraud"
	"github.com/keydesk/keydesk/models"
)

// keyClaim mocks the inventory activities: the assessment returns decision (score) and
// ReissueKey answers reissue; it counts reissue calls.
func (h *harness) keyClaim(decision fraud.Decision, score int, blocked bool, reissue string) *atomic.Int32 {
	var calls atomic.Int32
	a := &activities.Activities{}
	h.env.OnActivity(a.AssessKeyClaim, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.KeyClaimInput) (activities.KeyClaimAssessment, error) {
			as := fraud.Assessment{Score: score, Decision: decision, RulesetVersion: "test",
				Hits: []fraud.Hit{{Rule: "claims_by_email", Points: score, Reason: "3 claims by this email in 30 days"}}}
			if blocked {
				as.Blocked, as.BlockReason = true, "shared key: never reissued"
			}
			return activities.KeyClaimAssessment{Assessment: as, OrderID: 3, SharedKey: blocked}, nil
		})
	h.env.OnActivity(a.ReissueKey, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.ReissueInput) (activities.ReissueResult, error) {
			calls.Add(1)
			if reissue == ReissueDelivered {
				return activities.ReissueResult{Status: reissue, CardKeyID: 11, DeliveryID: 12}, nil
			}
			return activities.ReissueResult{Status: reissue, Reason: "no stock"}, nil
		})
	return &calls
}

func (h *harness) publicMessages() []activities.MessageRecord {
	var out []activities.MessageRecord
	for _, m := range h.messages() {
		if !m.Internal {
			out = append(out, m)
		}
	}
	return out
}

func TestKeyClaimAllowReissuesAndResolves(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls := h.keyClaim(fraud.Allow, 5, false, ReissueDelivered)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Status != models.StatusResolved || st.Reissue == nil || st.Reissue.Status != ReissueDelivered || st.Risk == nil || st.Risk.Decision != "allow" {
			t.Errorf("after allow: status %s reissue %+v risk %+v", st.Status, st.Reissue, st.Risk)
		}
		pub := h.publicMessages()
		if len(pub) != 1 || pub[0].AuthorKind != ActorSystem || !strings.Contains(pub[0].Body, "status page") {
			t.Errorf("buyer messages %+v", pub)
		}
		if len(h.eventsOf("risk_assessed")) != 1 || len(h.eventsOf("reissue_delivered")) != 1 {
			t.Error("decision events missing")
		}
	})
	st := h.run(h.input("key_invalid", models.PriorityNormal)) // auto-closes after 7 days
	if st.Status != models.StatusClosed || calls.Load() != 1 {
		t.Fatalf("final %s, reissue calls %d", st.Status, calls.Load())
	}
}

func TestKeyClaimOutOfStockStaysOpenWithHighPriority(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	h.keyClaim(fraud.Allow, 0, false, ReissueOutOfStock)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Status != models.StatusOpen || st.Priority != models.PriorityHigh || st.Queue != models.QueueGeneral || st.Reissue.Status != ReissueOutOfStock {
			t.Errorf("out of stock: %+v", st)
		}
		if len(h.publicMessages()) != 0 {
			t.Error("out of stock told the buyer something")
		}
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("key_missing", models.PriorityNormal))
}

func TestKeyClaimReviewThenRiskAgentApproves(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls := h.keyClaim(fraud.Review, 45, false, ReissueDelivered)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Queue != models.QueueRisk || st.Risk == nil || !st.Risk.Pending || calls.Load() != 0 {
			t.Errorf("review: queue %s risk %+v", st.Queue, st.Risk)
		}
		agentIn := DecisionInput{ActionInput: agent(""), Approve: true}
		riskIn := DecisionInput{ActionInput: ActionInput{RequestID: "risk-1", Actor: Actor{Kind: ActorAgent, UserID: 8, Role: "risk_agent"}}, Approve: true, Reason: "known buyer"}
		h.chain(step{name: UpdateResolve, in: ReplyInput{ActionInput: agent("")}, then: func(_ State, err error) {
			if err == nil || !strings.Contains(err.Error(), "risk review is pending") {
				t.Errorf("resolve during review: %v", err)
			}
		}}, step{name: UpdateRiskDecision, in: agentIn, then: func(_ State, err error) {
			if err == nil || !strings.Contains(err.Error(), "only a risk agent") {
				t.Errorf("agent decided a risk review: %v", err)
			}
		}}, step{name: UpdateRiskDecision, in: riskIn, then: func(st State, err error) {
			if err != nil || st.Status != models.StatusResolved || st.Risk.Pending || st.Reissue.Status != ReissueDelivered {
				t.Errorf("after approval: %+v %v", st, err)
			}
		}})
	})
	st := h.run(h.input("key_invalid", models.PriorityNormal))
	if calls.Load() != 1 || len(h.eventsOf("risk_approved")) != 1 || st.Status != models.StatusClosed {
		t.Fatalf("reissue calls %d, final %s", calls.Load(), st.Status)
	}
}

func TestKeyClaimReviewDeniedResolvesWithReason(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls := h.keyClaim(fraud.Review, 50, false, ReissueDelivered)
	h.at(time.Minute, func() {
		in := DecisionInput{ActionInput: ActionInput{RequestID: "d1", Actor: Actor{Kind: ActorAgent, UserID: 8, Role: "supervisor"}}, Reason: "The key was redeemed on your account."}
		h.must(UpdateRiskDecision, in, func(st State) {
			if st.Status != models.StatusResolved || st.Reissue.Status != ReissueDenied {
				t.Errorf("after deny: %+v", st)
			}
			pub := h.publicMessages()
			if len(pub) != 1 || pub[0].Body != in.Reason {
				t.Errorf("buyer messages %+v", pub)
			}
		})
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("key_invalid", models.PriorityNormal))
	if calls.Load() != 0 {
		t.Fatal("denied claim was reissued")
	}
}

func TestKeyClaimDenyWaitsForAgentAndCanBeOverridden(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls := h.keyClaim(fraud.Deny, 80, false, ReissueDelivered)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Status != models.StatusOpen || st.Reissue == nil || st.Reissue.Status != ReissueDenied || st.Risk.Pending {
			t.Errorf("deny: %+v", st)
		}
		if pub := h.publicMessages(); len(pub) != 1 || strings.Contains(pub[0].Body, "claims_by_email") {
			t.Errorf("buyer messages %+v", pub)
		}
		in := DecisionInput{ActionInput: ActionInput{RequestID: "o1", Actor: Actor{Kind: ActorAgent, UserID: 8, Role: "supervisor"}}, Approve: true, Reason: "verified by phone"}
		h.must(UpdateRiskDecision, in, func(st State) {
			if st.Reissue.Status != ReissueDelivered || st.Status != models.StatusResolved {
				t.Errorf("override: %+v", st)
			}
		})
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("key_invalid", models.PriorityNormal))
	if calls.Load() != 1 {
		t.Fatalf("reissue calls %d", calls.Load())
	}
}

func TestKeyClaimSharedKeyIsBlocked(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	calls := h.keyClaim(fraud.Allow, 0, true, ReissueDelivered)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Reissue == nil || st.Reissue.Status != ReissueBlocked || st.Queue != models.QueueGeneral || st.Status != models.StatusOpen {
			t.Errorf("blocked: %+v", st)
		}
		if len(h.eventsOf("reissue_blocked")) != 1 {
			t.Error("no reissue_blocked event")
		}
	})
	h.closeAt(2 * time.Minute)
	h.run(h.input("key_invalid", models.PriorityNormal))
	if calls.Load() != 0 {
		t.Fatal("shared key reissued")
	}
}

// TestKeyClaimStepUpTellsWhereTheKeyWent: a replacement the inventory sent to the order's
// contact (ReissueResult.SentTo) resolves the ticket like any other, and the buyer's
// message says where the key went instead of pointing at the status page.
func TestKeyClaimStepUpTellsWhereTheKeyWent(t *testing.T) {
	h := newHarness(t, testPolicy(), monday0900)
	a := &activities.Activities{}
	h.env.OnActivity(a.AssessKeyClaim, mock.Anything, mock.Anything).Return(activities.KeyClaimAssessment{
		Assessment: fraud.Assessment{Decision: fraud.Allow, Score: 25, RulesetVersion: "test",
			Hits: []fraud.Hit{{Rule: fraud.RuleClaimantNotBuyer, Points: 25, Reason: "new device and network"}}}, OrderID: 3}, nil)
	h.env.OnActivity(a.ReissueKey, mock.Anything, mock.Anything).Return(
		activities.ReissueResult{Status: ReissueDelivered, CardKeyID: 11, DeliveryID: 12, SentTo: "b***@example.com"}, nil)
	h.at(time.Minute, func() {
		st := h.query()
		if st.Status != models.StatusResolved || st.Reissue == nil || st.Reissue.Status != ReissueDelivered {
			t.Errorf("after a stepped-up reissue: status %s reissue %+v", st.Status, st.Reissue)
		}
		pub := h.publicMessages()
		if len(pub) != 1 || pub[0].Code != models.MsgReplacementSentToContact || pub[0].Params["to"] != "b***@example.com" ||
			!strings.Contains(pub[0].Body, "b***@example.com") || strings.Contains(pub[0].Body, "status page") {
			t.Errorf("buyer messages %+v", pub)
		}
		ev := h.eventsOf("reissue_delivered")
		if len(ev) != 1 {
			t.Fatalf("reissue_delivered events: %d", len(ev))
		}
	})
	h.run(h.input("key_invalid", models.PriorityNormal))
}
