package sla

// Merchant calendars are meaningless without the IANA database; embedding it makes
// time.LoadLocation (used by Calendar.UnmarshalJSON) work on hosts that ship none,
// such as distroless containers. The system database still wins when present.
import _ "time/tzdata"
