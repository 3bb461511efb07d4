package kb

import (
	"reflect"
	"testing"
)

func TestExpandLinks(t *testing.T) {
	known := map[string][2]string{
		"refunds":         {"退款说明", "https://help.example/help/shop/refunds?lang=zh-CN"},
		"key-not-working": {"Key not working ", "https://help.example/help/shop/key-not-working?lang=en"},
	}
	calls := 0
	resolve := func(slug string) (string, string, bool) {
		calls++
		v, ok := known[slug]
		return v[0], v[1], ok
	}
	cases := []struct {
		name, in, want string
		unresolved     []string
		calls          int
	}{
		{"no placeholder", "Hello", "Hello", nil, 0},
		{"one", "见 {{kb:refunds}}。", "见 退款说明 <https://help.example/help/shop/refunds?lang=zh-CN>。", nil, 1},
		{"spaces and case", "{{ kb: Key-Not-Working }}", "Key not working <https://help.example/help/shop/key-not-working?lang=en>", nil, 1},
		{"unknown kept and listed once", "{{kb:nope}} and {{kb:nope}}", "{{kb:nope}} and {{kb:nope}}", []string{"nope"}, 1},
		{"mixed, resolved once per slug", "{{kb:refunds}} {{kb:gone}} {{kb:refunds}}",
			"退款说明 <https://help.example/help/shop/refunds?lang=zh-CN> {{kb:gone}} 退款说明 <https://help.example/help/shop/refunds?lang=zh-CN>", []string{"gone"}, 2},
		{"not a placeholder", "{{kb:}} {kb:refunds} {{kb:a b}}", "{{kb:}} {kb:refunds} {{kb:a b}}", nil, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			calls = 0
			got, un := ExpandLinks(c.in, resolve)
			if got != c.want || !reflect.DeepEqual(un, c.unresolved) || calls != c.calls {
				t.Errorf("ExpandLinks(%q) = %q %v (%d calls), want %q %v (%d)", c.in, got, un, calls, c.want, c.unresolved, c.calls)
			}
		})
	}
	if got := MacroLinkSlugs("{{kb:a}} {{kb:B}} {{kb:a}}"); !reflect.DeepEqual(got, []string{"a", "b"}) {
		t.Errorf("MacroLinkSlugs = %v", got)
	}
}
