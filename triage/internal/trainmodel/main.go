// Command trainmodel trains the built-in triage model from the tuning split of the embedded
// corpus and writes its weights (run by `go generate ./triage/`). It is deterministic: the
// same corpus and settings give the same file.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/keydesk/keydesk/triage"
)

func main() {
	out := flag.String("out", "model.gob", "file to write")
	flag.Parse()
	m, err := triage.TrainBuiltin()
	if err == nil {
		var b []byte
		if b, err = m.MarshalBinary(); err == nil {
			err = os.WriteFile(*out, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "trainmodel:", err)
		os.Exit(1)
	}
	fmt.Printf("trainmodel: %s, %d features → %s\n", m.Version(), m.Features(), *out)
}
