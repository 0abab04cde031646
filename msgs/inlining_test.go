package msgs

import (
	"os/exec"
	"regexp"
	"testing"
)

// TestInlining checks that the small functions the allocation-free claims
// and the decoders' speed rest on are inlined: the iterator constructors,
// the accessors, the presence record, and the helpers the expression
// decoders and the renderer call per attribute or per word.
func TestInlining(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("the go tool is not in PATH, so the compiler's inlining decisions cannot be read: %v", err)
	}
	out, err := exec.Command(goTool, "build", "-gcflags=-m", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build -gcflags=-m: %v\n%s", err, out)
	}
	want := []string{
		"AttrSet.Has", "(*AttrSet).add", "trimNUL",
		"NewDevScanner", "(*DevScanner).Device", "(*ChainHook).Devices", "(*FlowtableHook).Devices",
		"NewElemScanner", "(*ElemScanner).Elem", "(*SetElems).Elems", "(*Elem).Exprs",
		"(*Rule).Exprs", "(*Set).Exprs",
		"NewExprScanner", "(*ExprScanner).Expr", "(*ExprScanner).Reset", "(*ElemScanner).Reset", "(*DynsetExpr).Exprs", "(*InnerExpr).Exprs",
		"ExprScanner.All", "ExprScanner.All.func1", "ElemScanner.All", "ElemScanner.All.func1",
		"DevScanner.All", "DevScanner.All.func1",
		"viewOf", "txName", "txU", "txReg", "appendHex8", "verdictText",
	}
	for _, fn := range want {
		re := regexp.MustCompile(`(?m)can inline ` + regexp.QuoteMeta(fn) + `( |$)`)
		if !re.Match(out) {
			t.Errorf("%s is not inlined", fn)
		}
	}
	// The decoders' walks: the attribute scanner's Next inlined into the
	// views' loops (it fits the budget only just), and ParseAttr into the
	// paths for the layouts the kernel sends.
	for _, c := range []struct{ file, call string }{
		{"rule.go", "nftmon.(*AttrScanner).Next"},
		{"setelem.go", "nftmon.(*AttrScanner).Next"},
		{"expr_core.go", "nftmon.(*AttrScanner).Next"},
		{"verdict.go", "nftmon.(*AttrScanner).Next"},
		{"expr.go", "nftmon.ParseAttr"},    // Expr.Decode
		{"verdict.go", "nftmon.ParseAttr"}, // Data.Decode
	} {
		re := regexp.MustCompile(`(?m)^(\./)?` + regexp.QuoteMeta(c.file) + `:\d+:\d+: inlining call to ` + regexp.QuoteMeta(c.call) + `$`)
		if !re.Match(out) {
			t.Errorf("no call of %s in %s is inlined", c.call, c.file)
		}
	}
}
