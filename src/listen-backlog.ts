/**
 * How many connections the kernel may hold for a listening socket before the process accepts
 * them (Linux caps it at net.core.somaxconn, 4096 on current kernels). Node's default is 511:
 * a burst of more new connections than that while the event loop was busy (a paced load of
 * 500 requests a second opened 669 of them in a fresh process's first seconds) overflowed the
 * queue, and each client whose SYN was dropped waited for its retransmission, 1, 3, 7 s later
 * (bench:paced, eleventh session: p99 11-14 s, `nstat` TcpExtListenOverflows 730).
 */
export const LISTEN_BACKLOG = 4096;
