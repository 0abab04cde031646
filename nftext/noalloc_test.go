package nftext

import "testing"

// TestNoAllocs proves that the printers allocate nothing once the buffer
// has room.
func TestNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 4096)
	for _, c := range valueCases {
		if n := testing.AllocsPerRun(100, func() { buf = AppendValue(buf[:0], c.t, c.order, c.data) }); n != 0 {
			t.Errorf("AppendValue(%v, % x) allocates %v times", c.t, c.data, n)
		}
	}
	for name, fn := range map[string]func(){
		"AppendTypeName": func() { buf = AppendTypeName(buf[:0], Concat(TypeIPAddr, TypeInetService)) },
		"AppendDuration": func() { buf = AppendDuration(buf[:0], 123456789) },
	} {
		if n := testing.AllocsPerRun(100, fn); n != 0 {
			t.Errorf("%s allocates %v times", name, n)
		}
	}
}
