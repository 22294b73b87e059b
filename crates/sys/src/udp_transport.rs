//! [`UdpTransport`]: a non-blocking UDP endpoint implementing `media`'s [`DatagramTransport`] seam on
//! the OS (the simulator's network implements the same seam deterministically).
//!
//! How the sockets are set up (after Aeron's `UdpChannelTransport.openDatagramChannel`):
//! - unicast: one socket, `SO_REUSEADDR` if asked, `SO_RCVBUF`/`SO_SNDBUF` if set, bound to
//!   `bind_address` (port 0 = ephemeral), then connected to `connect_address` if set;
//! - multicast (`multicast_group` set): the receiving socket always gets `SO_REUSEADDR` (several
//!   receivers share the group's port, as in Aeron), is bound to the wildcard address of the group's
//!   family on `bind_address`'s port, and joins the group on `multicast_interface` (IPv4: that address, or
//!   `INADDR_ANY`; IPv6: the index of the interface that owns that address, or 0). The sending socket gets
//!   `IP_MULTICAST_IF` (the same interface), `IP_MULTICAST_TTL` (if set) and `IP_MULTICAST_LOOP` on. When
//!   `connect_address` is also set (Aeron's multicast sender, connected to the data group while it
//!   receives on the control group) sending and receiving use two sockets: the sending one is connected
//!   and left unbound (the OS picks its port on connect); otherwise one socket does both.
//!
//! Invariants:
//! - nothing blocks: both sockets are non-blocking, and `try_recv` reads at most a bounded number of
//!   datagrams per call ([`MAX_READS_PER_POLL`]) while skipping ones it must drop;
//! - a datagram is delivered whole or not at all: one longer than the caller's buffer is detected with
//!   the kernel's `MSG_TRUNC` flag (`recvmsg`), dropped and counted in
//!   [`UdpTransport::truncated_drops`];
//! - `send` either sends the datagram ([`SendOutcome::Sent`]) or sends nothing
//!   ([`SendOutcome::WouldBlock`], for a full socket buffer and also for any OS error, which is counted in
//!   [`UdpTransport::errors`]);
//! - OS errors never panic and never close the endpoint: ICMP-induced ones (`ECONNREFUSED` after a port
//!   unreachable on a connected socket) clear themselves when read, so the endpoint keeps working;
//! - `send` and `try_recv` do not allocate and do not lock.

use std::io;
use std::mem::MaybeUninit;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use media::{DatagramSink, DatagramTransport, SendOutcome, TransportError, TransportSpec};
use socket2::{Domain, MaybeUninitSlice, Protocol, SockAddr, Socket, Type};

/// Most datagrams `try_recv` reads in one call while skipping ones it drops (truncated ones, errors), so
/// a flood of bad datagrams cannot hold the caller's duty cycle forever.
pub const MAX_READS_PER_POLL: usize = 16;

/// One bound, non-blocking UDP endpoint (one socket, or two for a connected multicast sender).
///
/// How to drive it: open it with [`UdpTransport::open`] (or through
/// [`UdpTransportFactory`](crate::UdpTransportFactory)), then call [`DatagramTransport::try_recv`] and
/// [`DatagramSink::send`] from one thread's duty cycle. Read the counters whenever convenient; they only
/// grow. Dropping the value closes the sockets (and leaves any multicast group).
#[derive(Debug)]
pub struct UdpTransport {
    /// Sends; also receives unless `receive_socket` is set.
    send_socket: Socket,
    /// A separate receiving socket (multicast with a connect address only).
    receive_socket: Option<Socket>,
    /// Where the receiving socket is bound (real port).
    local_addr: SocketAddr,
    /// The peer the sending socket is connected to.
    connect_address: Option<SocketAddr>,
    /// The multicast group joined, if any.
    multicast_group: Option<IpAddr>,
    /// `SO_RCVBUF` of the receiving socket as the OS reports it.
    socket_rcvbuf_length: usize,
    /// `SO_SNDBUF` of the sending socket as the OS reports it.
    socket_sndbuf_length: usize,
    /// The multicast TTL (hops) read back after setting it; None if the spec set none.
    multicast_ttl: Option<u32>,
    datagrams_sent: u64,
    datagrams_received: u64,
    short_sends: u64,
    would_blocks: u64,
    truncated_drops: u64,
    errors: u64,
    connection_refused: u64,
    last_error_code: Option<i32>,
}

impl UdpTransport {
    /// Opens an endpoint as `spec` says (see the module docs for the exact socket set-up).
    ///
    /// Errors: [`TransportError::AddressInUse`] if the bind address is taken;
    /// [`TransportError::Unsupported`] if the multicast settings cannot be applied (the group is not a
    /// multicast address, the interface does not match the group's family or is not a local address,
    /// or the OS refuses the membership or the outgoing interface);
    /// [`TransportError::Io`] for any other OS error, naming the step that failed.
    pub fn open(spec: &TransportSpec) -> Result<UdpTransport, TransportError> {
        match spec.multicast_group {
            None => Self::open_unicast(spec),
            Some(group) => Self::open_multicast(spec, group),
        }
    }

    fn open_unicast(spec: &TransportSpec) -> Result<UdpTransport, TransportError> {
        let socket = new_socket(spec.bind_address)?;
        if spec.reuse_address {
            socket.set_reuse_address(true).map_err(|error| io_error("set SO_REUSEADDR", error))?;
        }
        apply_buffer_lengths(&socket, spec.socket_rcvbuf_length, spec.socket_sndbuf_length)?;
        let multicast_ttl = match spec.multicast_ttl {
            Some(ttl) => Some(set_multicast_ttl(&socket, spec.bind_address.ip(), ttl)?),
            None => None,
        };
        bind(&socket, spec.bind_address)?;
        if let Some(peer) = spec.connect_address {
            connect(&socket, peer)?;
        }
        socket.set_nonblocking(true).map_err(|error| io_error("set non-blocking", error))?;
        let local_addr = local_addr_of(&socket)?;
        let (socket_rcvbuf_length, socket_sndbuf_length) = buffer_lengths(&socket, &socket)?;
        Ok(Self::assemble(
            socket,
            None,
            local_addr,
            spec.connect_address,
            None,
            socket_rcvbuf_length,
            socket_sndbuf_length,
            multicast_ttl,
        ))
    }

    fn open_multicast(spec: &TransportSpec, group: IpAddr) -> Result<UdpTransport, TransportError> {
        if !group.is_multicast() {
            return Err(TransportError::Unsupported(format!("{group} is not a multicast address")));
        }
        let membership = Membership::resolve(group, spec.multicast_interface)?;
        let wildcard: IpAddr = match group {
            IpAddr::V4(_) => Ipv4Addr::UNSPECIFIED.into(),
            IpAddr::V6(_) => Ipv6Addr::UNSPECIFIED.into(),
        };
        let receive_bind = SocketAddr::new(wildcard, spec.bind_address.port());

        let receive_socket = new_socket(receive_bind)?;
        receive_socket.set_reuse_address(true).map_err(|error| io_error("set SO_REUSEADDR", error))?;
        apply_buffer_lengths(&receive_socket, spec.socket_rcvbuf_length, None)?;
        bind(&receive_socket, receive_bind)?;
        membership.join(&receive_socket)?;
        receive_socket.set_nonblocking(true).map_err(|error| io_error("set non-blocking", error))?;
        let local_addr = local_addr_of(&receive_socket)?;

        // Aeron's multicast sender is connected to the data group while it receives on the control group,
        // so it needs a second socket; every other multicast endpoint sends from the receiving socket.
        let send_socket = spec.connect_address.map(new_socket).transpose()?;
        let sender = send_socket.as_ref().unwrap_or(&receive_socket);
        apply_buffer_lengths(sender, None, spec.socket_sndbuf_length)?;
        membership.set_outgoing(sender)?;
        let multicast_ttl = match spec.multicast_ttl {
            Some(ttl) => Some(set_multicast_ttl(sender, group, ttl)?),
            None => None,
        };
        if let Some(peer) = spec.connect_address {
            connect(sender, peer)?;
        }
        sender.set_nonblocking(true).map_err(|error| io_error("set non-blocking", error))?;
        let (socket_rcvbuf_length, socket_sndbuf_length) = buffer_lengths(&receive_socket, sender)?;

        let (send_socket, receive_socket) = match send_socket {
            Some(send_socket) => (send_socket, Some(receive_socket)),
            None => (receive_socket, None),
        };
        Ok(Self::assemble(
            send_socket,
            receive_socket,
            local_addr,
            spec.connect_address,
            Some(group),
            socket_rcvbuf_length,
            socket_sndbuf_length,
            multicast_ttl,
        ))
    }

    #[allow(clippy::too_many_arguments)]
    fn assemble(
        send_socket: Socket,
        receive_socket: Option<Socket>,
        local_addr: SocketAddr,
        connect_address: Option<SocketAddr>,
        multicast_group: Option<IpAddr>,
        socket_rcvbuf_length: usize,
        socket_sndbuf_length: usize,
        multicast_ttl: Option<u32>,
    ) -> UdpTransport {
        UdpTransport {
            send_socket,
            receive_socket,
            local_addr,
            connect_address,
            multicast_group,
            socket_rcvbuf_length,
            socket_sndbuf_length,
            multicast_ttl,
            datagrams_sent: 0,
            datagrams_received: 0,
            short_sends: 0,
            would_blocks: 0,
            truncated_drops: 0,
            errors: 0,
            connection_refused: 0,
            last_error_code: None,
        }
    }

    /// The peer the sending socket is connected to, if the spec asked for one.
    pub fn connect_address(&self) -> Option<SocketAddr> {
        self.connect_address
    }

    /// The multicast group this endpoint joined, if any.
    pub fn multicast_group(&self) -> Option<IpAddr> {
        self.multicast_group
    }

    /// `SO_RCVBUF` of the receiving socket as the OS granted it (Linux reports double the requested
    /// value, capped by `net.core.rmem_max`); the OS default if the spec set none.
    pub fn socket_rcvbuf_length(&self) -> usize {
        self.socket_rcvbuf_length
    }

    /// `SO_SNDBUF` of the sending socket as the OS granted it (Linux reports double the requested value,
    /// capped by `net.core.wmem_max`); the OS default if the spec set none.
    pub fn socket_sndbuf_length(&self) -> usize {
        self.socket_sndbuf_length
    }

    /// The multicast TTL (IPv6: hop limit) the OS reports after setting the spec's value; None if the spec
    /// set none (the OS default, 1, applies).
    pub fn multicast_ttl(&self) -> Option<u32> {
        self.multicast_ttl
    }

    /// Datagrams handed to the OS in full or in part (every [`SendOutcome::Sent`]).
    pub fn datagrams_sent(&self) -> u64 {
        self.datagrams_sent
    }

    /// Datagrams delivered by `try_recv` (dropped ones are not counted).
    pub fn datagrams_received(&self) -> u64 {
        self.datagrams_received
    }

    /// Sends where the OS took fewer bytes than the datagram's length (not expected for UDP).
    pub fn short_sends(&self) -> u64 {
        self.short_sends
    }

    /// Sends refused because the socket buffer was full (`EAGAIN`/`EWOULDBLOCK`).
    pub fn would_blocks(&self) -> u64 {
        self.would_blocks
    }

    /// Received datagrams dropped because they were longer than the caller's buffer.
    pub fn truncated_drops(&self) -> u64 {
        self.truncated_drops
    }

    /// OS errors on send or receive other than "would block" (including the ICMP-induced ones counted in
    /// [`UdpTransport::connection_refused`]). None of them closes the endpoint.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// `ECONNREFUSED` reports (an ICMP port unreachable for an earlier datagram), a subset of
    /// [`UdpTransport::errors`].
    pub fn connection_refused(&self) -> u64 {
        self.connection_refused
    }

    /// The OS error code (`errno`) of the most recent error counted in [`UdpTransport::errors`].
    pub fn last_error_code(&self) -> Option<i32> {
        self.last_error_code
    }

    fn count_error(&mut self, error: &io::Error) {
        self.errors += 1;
        if error.kind() == io::ErrorKind::ConnectionRefused {
            self.connection_refused += 1;
        }
        self.last_error_code = error.raw_os_error();
    }
}

impl DatagramSink for UdpTransport {
    /// Sends `datagram` to `destination` without blocking. On a connected endpoint a datagram for the
    /// connected peer goes through `send`; any other destination goes through `sendto` (Linux accepts
    /// that on a connected socket; other systems may refuse it, which is counted as an error).
    ///
    /// An `ECONNREFUSED` left by an earlier datagram's ICMP port unreachable is counted and the send is
    /// retried once (the OS clears the error when it reports it). Other errors are counted and reported
    /// as [`SendOutcome::WouldBlock`]: nothing was sent.
    fn send(&mut self, destination: SocketAddr, datagram: &[u8]) -> SendOutcome {
        let use_connected = self.connect_address == Some(destination);
        let target = SockAddr::from(destination);
        let mut refused_retried = false;
        loop {
            let result = if use_connected {
                self.send_socket.send(datagram)
            } else {
                self.send_socket.send_to(datagram, &target)
            };
            match result {
                Ok(length) => {
                    self.datagrams_sent += 1;
                    if length < datagram.len() {
                        self.short_sends += 1;
                    }
                    return SendOutcome::Sent(length);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    self.would_blocks += 1;
                    return SendOutcome::WouldBlock;
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.count_error(&error);
                    if error.kind() == io::ErrorKind::ConnectionRefused && !refused_retried {
                        refused_retried = true;
                    } else {
                        return SendOutcome::WouldBlock;
                    }
                }
            }
        }
    }
}

impl DatagramTransport for UdpTransport {
    /// Receives one waiting datagram into `buffer` without blocking. Datagrams longer than `buffer` are
    /// dropped and counted (the bytes of `buffer` are then unspecified), receive errors are counted, and
    /// in both cases the next waiting datagram is tried, up to [`MAX_READS_PER_POLL`] reads per call.
    fn try_recv(&mut self, buffer: &mut [u8]) -> Option<(usize, SocketAddr)> {
        let socket = self.receive_socket.as_ref().unwrap_or(&self.send_socket);
        for _ in 0..MAX_READS_PER_POLL {
            // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and `recvmsg` only ever writes initialised
            // bytes into the slice, so `buffer` stays initialised.
            let uninit = unsafe { &mut *(std::ptr::from_mut::<[u8]>(buffer) as *mut [MaybeUninit<u8>]) };
            let mut slices = [MaybeUninitSlice::new(uninit)];
            match socket.recv_from_vectored(&mut slices) {
                Ok((length, flags, source)) => {
                    if flags.is_truncated() {
                        self.truncated_drops += 1;
                        continue;
                    }
                    match source.as_socket() {
                        Some(source) => {
                            self.datagrams_received += 1;
                            return Some((length, source));
                        }
                        None => {
                            // Not an IP source: cannot happen for a UDP socket; drop it rather than panic.
                            self.errors += 1;
                            self.last_error_code = Some(libc::EAFNOSUPPORT);
                        }
                    }
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return None,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.errors += 1;
                    if error.kind() == io::ErrorKind::ConnectionRefused {
                        self.connection_refused += 1;
                    }
                    self.last_error_code = error.raw_os_error();
                }
            }
        }
        None
    }

    fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }
}

/// A multicast group and the interface its membership and outgoing datagrams use, resolved from the
/// spec.
#[derive(Debug, Clone, Copy)]
enum Membership {
    /// IPv4 group and interface address (`INADDR_ANY` lets the OS choose).
    V4 { group: Ipv4Addr, interface: Ipv4Addr },
    /// IPv6 group and interface index (0 lets the OS choose).
    V6 { group: Ipv6Addr, index: u32 },
}

impl Membership {
    fn resolve(group: IpAddr, interface: Option<IpAddr>) -> Result<Membership, TransportError> {
        match (group, interface) {
            (IpAddr::V4(group), None) => Ok(Self::V4 { group, interface: Ipv4Addr::UNSPECIFIED }),
            (IpAddr::V4(group), Some(IpAddr::V4(interface))) => Ok(Self::V4 { group, interface }),
            (IpAddr::V6(group), None) => Ok(Self::V6 { group, index: 0 }),
            (IpAddr::V6(group), Some(IpAddr::V6(address))) if address.is_unspecified() => {
                Ok(Self::V6 { group, index: 0 })
            }
            (IpAddr::V6(group), Some(IpAddr::V6(address))) => {
                interface_index_of(address).map(|index| Self::V6 { group, index })
            }
            (group, Some(interface)) => Err(TransportError::Unsupported(format!(
                "multicast group {group} and interface {interface} are of different address families"
            ))),
        }
    }

    fn join(self, socket: &Socket) -> Result<(), TransportError> {
        let result = match self {
            Self::V4 { group, interface } => socket.join_multicast_v4(&group, &interface),
            Self::V6 { group, index } => socket.join_multicast_v6(&group, index),
        };
        result.map_err(|error| TransportError::Unsupported(format!("cannot join {self}: {error}")))
    }

    fn set_outgoing(self, socket: &Socket) -> Result<(), TransportError> {
        let result = match self {
            Self::V4 { interface, .. } => {
                socket.set_multicast_if_v4(&interface).and_then(|()| socket.set_multicast_loop_v4(true))
            }
            Self::V6 { index, .. } => {
                socket.set_multicast_if_v6(index).and_then(|()| socket.set_multicast_loop_v6(true))
            }
        };
        result.map_err(|error| TransportError::Unsupported(format!("cannot send to {self}: {error}")))
    }
}

impl std::fmt::Display for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::V4 { group, interface } => write!(f, "multicast group {group} on interface {interface}"),
            Self::V6 { group, index } => write!(f, "multicast group {group} on interface index {index}"),
        }
    }
}

/// The index of the interface that owns `address`, from `getifaddrs`.
fn interface_index_of(address: Ipv6Addr) -> Result<u32, TransportError> {
    let mut list: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: `getifaddrs` fills `list` with a linked list that we free below with `freeifaddrs`.
    if unsafe { libc::getifaddrs(&mut list) } != 0 {
        return Err(io_error("getifaddrs", io::Error::last_os_error()));
    }
    let mut index = 0;
    let mut entry = list;
    while !entry.is_null() {
        // SAFETY: `entry` is a non-null node of the list `getifaddrs` returned, which is still alive.
        let node = unsafe { &*entry };
        entry = node.ifa_next;
        if node.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: `ifa_addr` is non-null and points at a socket address whose family field is valid.
        let family = i32::from(unsafe { (*node.ifa_addr).sa_family });
        if family != libc::AF_INET6 {
            continue;
        }
        // SAFETY: the family is AF_INET6, so the address is a `sockaddr_in6`.
        let candidate = unsafe { &*(node.ifa_addr as *const libc::sockaddr_in6) };
        if Ipv6Addr::from(candidate.sin6_addr.s6_addr) == address {
            // SAFETY: `ifa_name` is a NUL-terminated interface name owned by the list.
            index = unsafe { libc::if_nametoindex(node.ifa_name) };
            break;
        }
    }
    // SAFETY: `list` came from a successful `getifaddrs` and is freed exactly once.
    unsafe { libc::freeifaddrs(list) };
    if index == 0 {
        Err(TransportError::Unsupported(format!("no local interface has the address {address}")))
    } else {
        Ok(index)
    }
}

fn io_error(step: &str, error: io::Error) -> TransportError {
    TransportError::Io(format!("{step}: {error}"))
}

fn new_socket(address: SocketAddr) -> Result<Socket, TransportError> {
    Socket::new(Domain::for_address(address), Type::DGRAM, Some(Protocol::UDP))
        .map_err(|error| io_error("create UDP socket", error))
}

fn bind(socket: &Socket, address: SocketAddr) -> Result<(), TransportError> {
    socket.bind(&SockAddr::from(address)).map_err(|error| {
        if error.kind() == io::ErrorKind::AddrInUse {
            TransportError::AddressInUse(address)
        } else {
            io_error(&format!("bind {address}"), error)
        }
    })
}

fn connect(socket: &Socket, peer: SocketAddr) -> Result<(), TransportError> {
    socket.connect(&SockAddr::from(peer)).map_err(|error| io_error(&format!("connect to {peer}"), error))
}

fn local_addr_of(socket: &Socket) -> Result<SocketAddr, TransportError> {
    let address = socket.local_addr().map_err(|error| io_error("read local address", error))?;
    address.as_socket().ok_or_else(|| TransportError::Io("local address is not an IP address".to_owned()))
}

fn apply_buffer_lengths(
    socket: &Socket,
    rcvbuf_length: Option<usize>,
    sndbuf_length: Option<usize>,
) -> Result<(), TransportError> {
    if let Some(length) = rcvbuf_length {
        socket.set_recv_buffer_size(length).map_err(|error| io_error("set SO_RCVBUF", error))?;
    }
    if let Some(length) = sndbuf_length {
        socket.set_send_buffer_size(length).map_err(|error| io_error("set SO_SNDBUF", error))?;
    }
    Ok(())
}

/// (`SO_RCVBUF` of `receiver`, `SO_SNDBUF` of `sender`) as the OS reports them.
fn buffer_lengths(receiver: &Socket, sender: &Socket) -> Result<(usize, usize), TransportError> {
    let rcvbuf_length = receiver.recv_buffer_size().map_err(|error| io_error("read SO_RCVBUF", error))?;
    let sndbuf_length = sender.send_buffer_size().map_err(|error| io_error("read SO_SNDBUF", error))?;
    Ok((rcvbuf_length, sndbuf_length))
}

/// Sets the multicast TTL (IPv4) or hop limit (IPv6) for the family of `family_of`; returns the value
/// the OS reports afterwards.
fn set_multicast_ttl(socket: &Socket, family_of: IpAddr, ttl: u32) -> Result<u32, TransportError> {
    match family_of {
        IpAddr::V4(_) => {
            socket.set_multicast_ttl_v4(ttl).map_err(|error| io_error("set IP_MULTICAST_TTL", error))?;
            socket.multicast_ttl_v4().map_err(|error| io_error("read IP_MULTICAST_TTL", error))
        }
        IpAddr::V6(_) => {
            socket.set_multicast_hops_v6(ttl).map_err(|error| io_error("set IPV6_MULTICAST_HOPS", error))?;
            socket.multicast_hops_v6().map_err(|error| io_error("read IPV6_MULTICAST_HOPS", error))
        }
    }
}
