package nftext

import (
	"github.com/nftmon/nftmon/msgs"
)

// Making the statements that read registers or stand alone.

// simple makes a statement printed from its expression alone.
func (s *ruleState) simple(e msgs.Expr) (ok, room bool) {
	st := s.newStmt(sSimple, e)
	if st == nil {
		return false, false
	}
	s.pp(st)
	return true, true
}

// stmtFromReg makes a statement that writes the operand of register r.
func (s *ruleState) stmtFromReg(k stmtKind, e msgs.Expr, r msgs.Register) (ok, room bool) {
	v := s.getReg(r)
	if v < 0 {
		return false, true
	}
	st := s.newStmt(k, e)
	if st == nil {
		return false, false
	}
	st.val = v
	s.pp(st)
	return true, true
}

// regStmt makes a statement that reads up to four registers, each only
// when has.
func (s *ruleState) regStmt(k stmtKind, e msgs.Expr, has1 bool, r1 msgs.Register, has2 bool, r2 msgs.Register,
	has3 bool, r3 msgs.Register, has4 bool, r4 msgs.Register) (ok, room bool) {
	var v [4]int16
	for i, h := range [4]bool{has1, has2, has3, has4} {
		v[i] = -1
		if !h {
			continue
		}
		v[i] = s.getReg([4]msgs.Register{r1, r2, r3, r4}[i])
		if v[i] < 0 {
			return false, true
		}
	}
	st := s.newStmt(k, e)
	if st == nil {
		return false, false
	}
	st.val, st.valOp2, st.valOp3, st.valOp4 = v[0], v[1], v[2], v[3]
	s.pp(st)
	return true, true
}
