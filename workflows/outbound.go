package workflows

// OutboundWorkflow delivers one queued buyer message (outbound_messages row) to the shop as
// signed webhooks (activities.DeliverOutbound). Temporal retries the activity with backoff
// while an endpoint fails transiently, for up to a day; the activity's per-endpoint delivery
// rows make every retry idempotent. With no endpoint configured the message stays unsent.

import (
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/keydesk/keydesk/activities"
)

// OutboundWorkflowName is the registered name of the outbound delivery workflow.
const OutboundWorkflowName = "OutboundWorkflow"

// OutboundDeliveryWindow is how long a message's delivery is retried before giving up.
const OutboundDeliveryWindow = 24 * time.Hour

// OutboundWorkflowID is the workflow ID of outbound message id: "outbound/<id>".
func OutboundWorkflowID(id uint64) string { return "outbound/" + strconv.FormatUint(id, 10) }

// outboundActivityOptions retry a delivery from 5s doubling up to 1h, within the window.
var outboundActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout:    2 * time.Minute,
	ScheduleToCloseTimeout: OutboundDeliveryWindow,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: time.Hour,
	},
}

// OutboundWorkflow delivers outbound message messageID and returns what was done.
func OutboundWorkflow(ctx workflow.Context, messageID uint64) (activities.OutboundResult, error) {
	var res activities.OutboundResult
	actx := workflow.WithActivityOptions(ctx, outboundActivityOptions)
	if err := workflow.ExecuteActivity(actx, acts.DeliverOutbound, messageID).Get(ctx, &res); err != nil {
		return res, err
	}
	log := workflow.GetLogger(ctx)
	if res.Endpoints == 0 {
		log.Info("no webhook endpoint subscribed to message.outbound; message stays unsent", "message_id", messageID)
		return res, nil
	}
	log.Info("outbound message delivered", "message_id", messageID, "endpoints", res.Endpoints,
		"delivered", res.Delivered, "failed", res.Failed)
	return res, nil
}
