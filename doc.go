// Package nftmon watches every change to a Linux host's nftables ruleset.
//
// It reads the kernel's nftables notifications (NFNLGRP_NFTABLES) from a
// raw AF_NETLINK socket into one reusable buffer, parses netlink framing and
// attributes by hand, groups the notifications by committed transaction,
// stamps each with the transaction's generation and the process that
// committed it, and calls a function for each event. After setup nothing is
// allocated per event, and no goroutine, channel or logger is started.
//
//	m, err := nftmon.NewMonitor(nftmon.Config{}, func(e *nftmon.Event) error {
//		fmt.Println(e.Kind, e.Type, e.Family, e.Gen, e.ProcPID, string(e.ProcName))
//		return nil
//	})
//	if err != nil { ... }
//	defer m.Close()
//	err = m.Run(ctx)
//
// The package reads from the top down, each layer built on the next:
//
//   - Monitor (Config, NewMonitor, Run) watches a live namespace and calls
//     the function with each Event; Stats counts what it did. Replayer
//     (ReplayConfig, NewReplayer, Feed) does the same with datagrams
//     recorded earlier. Both share one dispatcher: per namespace, a small
//     state machine that holds a transaction's changes until its commit,
//     streams them, or discards them after a loss.
//   - Conn.Snapshot takes a consistent snapshot of the ruleset (Scope
//     limits it); a Monitor in snapshot mode uses it to start and to
//     resync.
//   - Conn is the socket: a raw AF_NETLINK, NETLINK_NETFILTER socket in any
//     network namespace, with Receive for notifications and Request (and
//     GetGen) for requests and dumps.
//   - The codec: MessageScanner and Messages walk the netlink messages of
//     a datagram, ParseNFGen splits off the nfgenmsg header, AttrScanner
//     walks attributes; MsgType, Family and Gen name what they carry;
//     AppendRequest and its kin build requests. All of it is
//     allocation-free and never reads out of bounds.
//
// Typed views of each message (tables, chains, rules and their
// expressions, sets, elements, objects, flowtables) are in package msgs,
// built on this one, decoded only when the callback asks for them. The
// kernel behaviour the package relies on, observed and cited, is listed in
// KERNEL.md at the root of the repository; comments refer to it as
// "KERNEL.md, fact N".
//
// # Buffer lifetime
//
// An Event and every byte slice reachable from it point into the monitor's
// receive buffer and are valid only until the callback returns. Keep a copy
// with Event.Clone, or string(b) for one field. The same holds for the
// scanners: a Message or attribute payload aliases the bytes it was parsed
// from.
//
// # Transactions and generations
//
// The kernel sends a transaction's notifications first and its NEWGEN (the
// new generation, with the committing process) last, in a datagram of its
// own. The monitor holds a transaction's messages where they were read
// until its NEWGEN arrives, then delivers them (EventChange) stamped with
// the full generation and the process, then the NEWGEN itself
// (EventCommit). Config.Stream delivers each change as it is read instead,
// its generation widened from the 16-bit res_id every message carries
// (WidenGen). A notification that belongs to no transaction (a quota
// object running out) is delivered at once as EventOutside.
//
// Generations are u32 serial numbers that wrap (skipping 0): compare them
// with GenAfter. Config.Floor and SetFloor drop everything at or below a
// floor.
//
// # Loss
//
// When the socket's receive buffer overflows the kernel drops
// notifications and says only that it did (ENOBUFS), then drops every
// notification until the socket's queue is empty. The monitor then
// delivers one EventLoss, empties the queue at once, discards what may be
// incomplete, and goes on reading; with Config.Snapshot it takes a fresh
// snapshot by itself. Nothing is ever delivered with another transaction's stamp.
// Bytes that cannot be parsed are not skipped either: they are delivered
// as an EventMalformed that says what was wrong.
//
// # Packet traces
//
// Config.Traces also subscribes to packet traces (NFNLGRP_NFTRACE), or to
// them alone: the steps of packets marked with "meta nftrace set 1". Each
// is an EventTrace, delivered as soon as it is read, outside any
// transaction: never held, stamped, discarded after a loss or dropped
// below the floor. msgs.Trace decodes it, nftext.AppendTrace prints it as
// `nft monitor trace` does.
//
// # Snapshot and tail
//
// Config.Snapshot starts Run with a snapshot of the whole ruleset,
// consistent at one generation, and continues with every change committed
// after it: subscribe first, then dump as nft does (read the generation,
// dump, read it again, retry while it changed), then the tail above the
// snapshot's generation. Conn.Snapshot takes one without a Monitor.
//
// # Privileges and namespaces
//
// Subscribing needs CAP_NET_ADMIN in the user namespace that owns the
// watched network namespace: root, or any user inside `unshare -rn`.
// Config.NetNS watches another network namespace; Config.AllNetNS also
// watches every namespace that has an nsid in the watched one, each event
// carrying its nsid.
package nftmon
