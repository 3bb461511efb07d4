package workflows

import (
	"fmt"
	"time"

	"github.com/keydesk/keydesk/activities"
	"github.com/keydesk/keydesk/models"
)

// MaxEscalationLevel is the top of the escalation chain (merchant admin).
const MaxEscalationLevel = 3

// warn records a warning: an event and a notification for the roles the next escalation
// level would reach. No escalation.
func (r *run) warn(ch *change, now time.Time, c crossing) {
	r.event(ch, now, "sla_warning", Actor{Kind: ActorSystem}, map[string]any{
		"metric": string(c.Metric), "deadline": c.Deadline, "level": r.s.EscalationLevel,
	})
	step := r.policy.Step(min(r.s.EscalationLevel+1, MaxEscalationLevel))
	for _, role := range step.Notify {
		ch.notifications = append(ch.notifications, notification(r.s, models.NotifySLAWarning, role, r.s.EscalationLevel,
			fmt.Sprintf("%s: %s due %s", r.s.Ref, c.Metric, c.Deadline.UTC().Format(time.RFC3339)),
			fmt.Sprintf("sla/%d/%s/warn/%d/%s", r.s.TicketID, c.Metric, r.s.Seq, role), now))
	}
}

// breach escalates by itself: level up (max 3), priority up one step (deadlines
// recomputed from the time used), queue and notifications per the chain, event.
func (r *run) breach(ch *change, now time.Time, c crossing) {
	from := r.s.Priority
	r.s.Priority = raisePriority(from)
	if r.s.Priority != from {
		r.s.Clocks = retargetClocks(r.s.Clocks, r.policy.TargetsFor(r.s.Priority))
	}
	r.event(ch, now, "sla_breach", Actor{Kind: ActorSystem}, map[string]any{
		"metric": string(c.Metric), "deadline": c.Deadline, "breached_at": c.At,
		"priority_from": from, "priority_to": r.s.Priority,
	})
	r.escalate(ch, now, 1, "sla breach: "+string(c.Metric), Actor{Kind: ActorSystem}, string(c.Metric))
}

// escalate moves the level by delta (clamped to 0..3) and applies the chain: the level's
// queue (the category's own queue at level 0) and, going up, a notification per role.
func (r *run) escalate(ch *change, now time.Time, delta int, reason string, actor Actor, metric string) {
	from := r.s.EscalationLevel
	to := min(max(from+delta, 0), MaxEscalationLevel)
	if to == from {
		r.event(ch, now, "escalation_capped", actor, map[string]any{"level": from, "reason": reason})
		return
	}
	r.s.EscalationLevel = to
	step := r.policy.Step(to)
	switch {
	case to == 0:
		r.s.Queue = baseQueue(r.s)
	case step.Queue != "":
		r.s.Queue = step.Queue
	}
	kind := "escalated"
	if to < from {
		kind = "deescalated"
	} else {
		r.s.EscalatedAt = now
	}
	r.event(ch, now, kind, actor, map[string]any{
		"level_from": from, "level_to": to, "queue": r.s.Queue, "reason": reason, "notify": step.Notify,
	})
	if to < from {
		return
	}
	if metric == "" {
		metric = fmt.Sprintf("manual/%d", r.s.Seq)
	}
	for _, role := range step.Notify {
		nk := models.NotifyEscalation
		if actor.Kind == ActorSystem {
			nk = models.NotifySLABreach
		}
		ch.notifications = append(ch.notifications, notification(r.s, nk, role, to,
			fmt.Sprintf("%s escalated to level %d: %s", r.s.Ref, to, reason),
			fmt.Sprintf("sla/%d/%s/L%d/%s/%d", r.s.TicketID, metric, to, role, r.s.Seq), now))
	}
}

// notificationRecord is the activity's notification row.
type notificationRecord = activities.NotificationRecord

func notification(_ State, kind, role string, level int, title, key string, now time.Time) notificationRecord {
	return notificationRecord{Kind: kind, Level: level, RecipientRole: role, Title: title, DedupeKey: key, At: now}
}
