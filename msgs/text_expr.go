package msgs

// The libnftnl debug text of expressions: appendExprRaw picks the view with
// an ExprDecoder, and each view's appendText (text_expr_*.go) prints the
// body as libnftnl's nftnl_expr_<name>_snprintf does.

// appendExprRaw appends "name " and the body of the expression exactly as
// libnftnl prints it (each part ends with a space). It fails only when the
// expression's data is malformed. d holds the views; the expressions nested
// in dynset and inner are decoded with it too, after their parent's fields
// have been read.
func appendExprRaw(dst []byte, d *ExprDecoder, e Expr, depth int) ([]byte, error) {
	dst = append(append(dst, e.Name...), ' ')
	v, err := d.Decode(e.Name, e.Data)
	if err != nil {
		return dst, err
	}
	switch x := v.(type) {
	case *PayloadExpr:
		return x.appendText(dst), nil
	case *CmpExpr:
		return x.appendText(dst), nil
	case *RangeExpr:
		return x.appendText(dst), nil
	case *MetaExpr:
		return x.appendText(dst), nil
	case *ImmediateExpr:
		return x.appendText(dst), nil
	case *BitwiseExpr:
		return x.appendText(dst), nil
	case *ByteorderExpr:
		return x.appendText(dst), nil
	case *LookupExpr:
		return x.appendText(dst), nil
	case *DynsetExpr:
		return x.appendText(dst, d, depth)
	case *ObjrefExpr:
		return x.appendText(dst), nil
	case *CounterExpr:
		return x.appendText(dst), nil
	case *LimitExpr:
		return x.appendText(dst), nil
	case *QuotaExpr:
		return x.appendText(dst), nil
	case *ConnlimitExpr:
		return x.appendText(dst), nil
	case *LastExpr:
		return x.appendText(dst), nil
	case *CtExpr:
		return x.appendText(dst), nil
	case *LogExpr:
		return x.appendText(dst), nil
	case *RejectExpr:
		return x.appendText(dst), nil
	case *NatExpr:
		return x.appendText(dst), nil
	case *MasqExpr:
		return x.appendText(dst), nil
	case *RedirExpr:
		return x.appendText(dst), nil
	case *TproxyExpr:
		return x.appendText(dst), nil
	case *SynproxyExpr:
		return x.appendText(dst), nil
	case *QueueExpr:
		return x.appendText(dst), nil
	case *DupExpr:
		return x.appendText(dst), nil
	case *FwdExpr:
		return x.appendText(dst), nil
	case *ExthdrExpr:
		return x.appendText(dst), nil
	case *FibExpr:
		return x.appendText(dst), nil
	case *NumgenExpr:
		return x.appendText(dst), nil
	case *HashExpr:
		return x.appendText(dst), nil
	case *SocketExpr:
		return x.appendText(dst), nil
	case *OsfExpr:
		return x.appendText(dst), nil
	case *XfrmExpr:
		return x.appendText(dst), nil
	case *RtExpr:
		return x.appendText(dst), nil
	case *TunnelExpr:
		return x.appendText(dst), nil
	case *InnerExpr:
		return x.appendText(dst, d, depth)
	case *CompatExpr:
		return x.appendText(dst), nil
	}
	// notrack, and expressions libnftnl 1.2.x does not know: the name only.
	return dst, nil
}

// appendNestedText appends "open<text of the expression>close" for each
// expression of s, decoded with d one level deeper; nothing beyond
// maxExprDepth.
func appendNestedText(dst []byte, d *ExprDecoder, s ExprScanner, depth int, open string) ([]byte, error) {
	if depth >= maxExprDepth {
		return dst, nil
	}
	for s.Next() {
		var err error
		dst = append(dst, open...)
		if dst, err = appendExprRaw(dst, d, *s.Expr(), depth+1); err != nil {
			return dst, err
		}
		dst = append(dst, "] "...)
	}
	return dst, s.Err()
}
