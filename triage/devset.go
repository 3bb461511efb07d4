package triage

// ParseLabelledTSV reads a labelled set in the fresh held-out sets' five-column format
// (intent, lang, urgency, text, order numbers; "#" lines are comments), such as the
// development sets testdata/dev_tmodel.tsv to dev_tmodel15.tsv that model and extraction
// changes are chosen on. IDs are prefix:NNN.
func ParseLabelledTSV(prefix, tsv string) ([]Example, error) {
	return parseFresh(prefix, tsv, true)
}
