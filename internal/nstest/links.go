package nstest

import (
	"fmt"
	"maps"
	"net"
	"os"
	"slices"
	"strings"
)

// Links returns the interfaces of the namespace, names by index, as it
// lists them: what nft monitor there names in rules and traces (`iif
// "lo"`).
func (ns *NS) Links() (map[uint32]string, error) {
	l := map[uint32]string{}
	err := ns.Do(func() error {
		ifs, err := net.Interfaces()
		for _, i := range ifs {
			l[uint32(i.Index)] = i.Name
		}
		return err
	})
	if err == nil && len(l) == 0 {
		err = fmt.Errorf("no interface")
	}
	if err != nil {
		return nil, fmt.Errorf("nstest: interfaces of %s: %w", ns.Path, err)
	}
	return l, nil
}

// WriteLinks writes links to path, one "INDEX NAME" line an interface, by
// index: the NAME.links beside a capture.
func WriteLinks(path string, links map[uint32]string) error {
	var b []byte
	for _, i := range slices.Sorted(maps.Keys(links)) {
		b = fmt.Appendf(b, "%d %s\n", i, links[i])
	}
	return os.WriteFile(path, b, 0o644)
}

// ReadLinks reads what WriteLinks wrote.
func ReadLinks(path string) (map[uint32]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("nstest: %w", err)
	}
	l := map[uint32]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		var i uint32
		var name string
		if _, err := fmt.Sscanf(line, "%d %s", &i, &name); err != nil {
			return nil, fmt.Errorf("nstest: %s: %q: %w", path, line, err)
		}
		l[i] = name
	}
	return l, nil
}
