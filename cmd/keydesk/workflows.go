package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/keydesk/keydesk/config"
	"github.com/keydesk/keydesk/internal/app"
)

// workflowsCmd runs `keydesk workflows upgrade`: every open ticket's workflow continues as new
// on the code of the running workers (after a release, so old GetVersion branches can be
// retired). With the embedded Temporal, run it while `serve` is stopped: the signals wait in
// the histories until the next start.
func workflowsCmd(ctx context.Context, cfg config.Config, log *slog.Logger, args []string, out io.Writer) error {
	if len(args) != 1 || args[0] != "upgrade" {
		return errors.New("usage: keydesk workflows upgrade")
	}
	a, err := app.Start(ctx, cfg, app.Roles{}, log)
	if err != nil {
		return err
	}
	defer a.Stop(context.Background())
	asked, missing, err := a.Tickets.AskUpgrade(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "asked %d open tickets to continue as new on the current code; %d had no running workflow (the reconciler starts them)\n", asked, missing)
	return nil
}
