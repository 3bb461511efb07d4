package sla

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseWindows(t *testing.T) {
	h := time.Hour
	tests := []struct {
		spec    string
		want    []Window
		wantErr string
	}{
		{spec: "", want: nil},
		{spec: "   ", want: nil},
		{spec: "09:00-12:00,13:00-18:00", want: []Window{{9 * h, 12 * h}, {13 * h, 18 * h}}},
		{spec: " 09:00 - 12:00 , 13:30-18:00 ", want: []Window{{9 * h, 12 * h}, {13*h + 30*time.Minute, 18 * h}}},
		{spec: "00:00-24:00", want: []Window{{0, Day}}},
		{spec: "9:00-17:00", want: []Window{{9 * h, 17 * h}}},
		{spec: "08:00:30-08:00:45", want: []Window{{8*h + 30*time.Second, 8*h + 45*time.Second}}},
		{spec: "09:00-12:00,12:00-13:00", want: []Window{{9 * h, 12 * h}, {12 * h, 13 * h}}}, // touching is fine
		{spec: "12:00-09:00", wantErr: "start must be before end"},
		{spec: "09:00-09:00", wantErr: "start must be before end"},
		{spec: "09:00-12:00,11:00-13:00", wantErr: "overlaps"},
		{spec: "13:00-14:00,09:00-10:00", wantErr: "ascending"},
		{spec: "09:00-24:30", wantErr: "after 24:00"},
		{spec: "24:00-24:00", wantErr: "start must be before end"},
		{spec: "25:00-26:00", wantErr: "want HH:MM"},
		{spec: "09:60-10:00", wantErr: "want HH:MM"},
		{spec: "09:00", wantErr: "want HH:MM-HH:MM"},
		{spec: "09:00-12:00,", wantErr: "want HH:MM-HH:MM"},
		{spec: "9-17", wantErr: "want HH:MM"},
		{spec: "+9:00-17:00", wantErr: "want HH:MM"},
		{spec: "aa:bb-cc:dd", wantErr: "want HH:MM"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseWindows(tt.spec)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			again, err := ParseWindows(FormatWindows(got))
			require.NoError(t, err)
			assert.Equal(t, got, again, "FormatWindows round trip")
		})
	}
	assert.Equal(t, "09:00-12:00,13:30-18:00,23:00:15-24:00", FormatWindows([]Window{
		{9 * h, 12 * h}, {13*h + 30*time.Minute, 18 * h}, {23*h + 15*time.Second, Day},
	}))
}

func TestValidate(t *testing.T) {
	ok := AlwaysOpen(nil)
	require.NoError(t, ok.Validate())
	require.NoError(t, shanghai(t).Validate())

	empty := Calendar{Location: time.UTC}
	err := empty.Validate()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrNoOpenTime))

	bad := AlwaysOpen(nil)
	bad.Week[time.Monday] = []Window{{10 * time.Hour, 9 * time.Hour}}
	bad.Week[time.Tuesday] = []Window{{9 * time.Hour, 12 * time.Hour}, {11 * time.Hour, 13 * time.Hour}}
	bad.Week[time.Wednesday] = []Window{{-time.Hour, time.Hour}}
	bad.Week[time.Thursday] = []Window{{0, 25 * time.Hour}}
	bad.Week[time.Friday] = []Window{{time.Millisecond, time.Hour}}
	bad.Holidays = []string{"2026-02-30", "2026-10-01", "10/01/2026"}
	bad.Overrides = map[string][]Window{"2026-10-01": nil, "2026-13-01": nil}
	err = bad.Validate()
	require.Error(t, err)
	var ve ValidationError
	require.True(t, errors.As(err, &ve))
	fields := map[string]bool{}
	for _, fe := range ve {
		fields[fe.Field] = true
	}
	for _, f := range []string{"week.monday[0]", "week.tuesday[1]", "week.wednesday[0]", "week.thursday[0]",
		"week.friday[0]", "holidays[0]", "holidays[2]", "overrides.2026-10-01", "overrides.2026-13-01"} {
		assert.True(t, fields[f], "missing field error %s in %v", f, err)
	}
	assert.False(t, fields["holidays[1]"])
	assert.False(t, errors.Is(err, ErrNoOpenTime))
}

func TestCalendarJSONRoundTrip(t *testing.T) {
	c := shanghai(t)
	c.Overrides = map[string][]Window{
		"2026-10-10": mustWindows(t, "09:00-18:00"), // make-up working Saturday
		"2026-12-24": mustWindows(t, "09:00-12:00"), // half day
		"2026-12-31": {},                            // closed
	}
	b, err := json.Marshal(c)
	require.NoError(t, err)
	assert.JSONEq(t, `{
		"timezone": "Asia/Shanghai",
		"week": {"monday":"09:00-12:00,13:30-18:00","tuesday":"09:00-12:00,13:30-18:00",
		         "wednesday":"09:00-12:00,13:30-18:00","thursday":"09:00-12:00,13:30-18:00",
		         "friday":"09:00-12:00,13:30-18:00"},
		"holidays": ["2026-10-01","2026-10-02","2026-10-03","2026-10-04","2026-10-05","2026-10-06","2026-10-07"],
		"overrides": {"2026-10-10":"09:00-18:00","2026-12-24":"09:00-12:00","2026-12-31":""}
	}`, string(b))

	var back Calendar
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, "Asia/Shanghai", back.Location.String())
	assert.Equal(t, c.Week, back.Week)
	assert.Equal(t, c.Holidays, back.Holidays)
	assert.Equal(t, c.Overrides, back.Overrides)
	b2, err := json.Marshal(back)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(b2))

	// Short weekday names, nil location.
	require.NoError(t, json.Unmarshal([]byte(`{"timezone":"","week":{"Sat":"10:00-11:00"}}`), &back))
	assert.Equal(t, time.UTC, back.Location)
	assert.Equal(t, []Window{{10 * time.Hour, 11 * time.Hour}}, back.Week[time.Saturday])
	b, err = json.Marshal(Calendar{})
	require.NoError(t, err)
	assert.JSONEq(t, `{"timezone":"UTC","week":{}}`, string(b))

	for _, in := range []string{
		`{"timezone":"Mars/Olympus","week":{}}`,
		`{"timezone":"UTC","week":{"funday":"09:00-10:00"}}`,
		`{"timezone":"UTC","week":{"monday":"10:00-09:00"}}`,
		`{"timezone":"UTC","week":{},"overrides":{"2026-01-01":"x"}}`,
	} {
		assert.Error(t, json.Unmarshal([]byte(in), &back), in)
	}

	// A Calendar inside a struct (as in a workflow input) keeps its zone.
	type input struct{ Cal Calendar }
	b, err = json.Marshal(input{Cal: c})
	require.NoError(t, err)
	var in input
	require.NoError(t, json.Unmarshal(b, &in))
	start := at(t, c.Location, "2026-03-13 17:00")
	assert.True(t, c.Add(start, 2*time.Hour).Equal(in.Cal.Add(start, 2*time.Hour)))
}

func TestWeekly(t *testing.T) {
	_, err := Weekly(nil, "10:00-09:00", time.Monday)
	assert.Error(t, err)
	_, err = Weekly(nil, "09:00-10:00", time.Weekday(7))
	assert.Error(t, err)
	c, err := Weekly(nil, "09:00-10:00", time.Monday, time.Tuesday)
	require.NoError(t, err)
	c.Week[time.Monday][0].End = 11 * time.Hour
	assert.Equal(t, 10*time.Hour, c.Week[time.Tuesday][0].End, "days must not share a backing array")
	assert.Empty(t, c.Week[time.Sunday])
	assert.True(t, c.HasOpenTime())
	assert.False(t, Calendar{}.HasOpenTime())
}
