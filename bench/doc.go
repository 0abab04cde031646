// Package bench compares nftmon's monitor with github.com/google/nftables'
// on the same end-to-end bursts, in a module of its own so that nftmon
// itself depends on nothing but golang.org/x/sys. Run, as root:
//
//	cd bench && go test -run XXX -bench . -benchtime 3x
package bench
