package nftext

// Extension headers, TCP options, IPv4 options and SCTP chunks (nftables
// src/exthdr.c, src/tcpopt.c, src/ipopt.c, src/sctp_chunk.c).

// exthdrType returns the data type of an exthdr load.
func exthdrType(op *operand) Type { return TypeInteger }

// appendExthdr appends an exthdr field.
func (s *ruleState) appendExthdr(dst []byte, op *operand) []byte {
	return appendRawExpr(dst, op.e)
}

// appendExthdrSet appends "OPTION FIELD set VALUE".
func (s *ruleState) appendExthdrSet(dst []byte, st *stmt) []byte {
	return appendRawExpr(dst, st.expr)
}
