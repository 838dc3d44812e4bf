#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Unix stream sockets for the `--acks` channel (kpull/kstream listen, kput connects): the system calls,
/// in `SystemCalls`' manner (results, not errno, above this file). Every descriptor is close-on-exec and
/// non-blocking; sends never raise SIGPIPE (MSG_NOSIGNAL): a peer that went away is a result.
extension SystemCalls {
    /// What a connect to a socket path found.
    package enum SocketConnect {
        case connected(Int32)
        /// Nothing listens there: no such file, or a stale socket (ECONNREFUSED).
        case nobody(stale: Bool)
        case failed(IOError)
    }

    /// What a non-blocking receive got.
    package enum SocketReceive: Equatable {
        case bytes(Int)
        case wouldBlock
        /// The peer closed (or reset) the connection.
        case closed
    }

    private static func address(_ path: String) throws(IOError) -> sockaddr_un {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard bytes.count < capacity else { throw IOError(code: ENAMETOOLONG, context: path) }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        return addr
    }

    private static func streamSocket(_ context: String) throws(IOError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw IOError(code: errno, context: context) }
        return fd
    }

    /// Connects to the socket at `path` (non-blocking descriptor; a Unix socket connects at once or not).
    package static func connectUnix(_ path: String) -> SocketConnect {
        let addr: sockaddr_un
        let fd: Int32
        do throws(IOError) {
            addr = try address(path)
            fd = try streamSocket(path)
        } catch {
            return .failed(error)
        }
        var a = addr
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if rc == 0 { return .connected(fd) }
        let code = errno
        Glibc.close(fd)
        switch code {
        case ENOENT: return .nobody(stale: false)
        case ECONNREFUSED: return .nobody(stale: true)
        // A listener whose backlog is full is alive.
        case EAGAIN: return .connected(-1)
        default: return .failed(IOError(code: code, context: path))
        }
    }

    /// Binds and listens at `path` (which must not exist).
    package static func listenUnix(_ path: String) throws(IOError) -> Int32 {
        var addr = try address(path)
        let fd = try streamSocket(path)
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0, Glibc.listen(fd, 4) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw IOError(code: code, context: path)
        }
        return fd
    }

    /// A pending connection on a listening socket, or nil when none is waiting.
    package static func accept(_ fd: Int32) -> Int32? {
        // accept4 is not visible without _GNU_SOURCE: accept, then the flags.
        let c = Glibc.accept(fd, nil, nil)
        guard c >= 0 else { return nil }
        _ = fcntl(c, F_SETFD, FD_CLOEXEC)
        _ = fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK)
        return c
    }

    /// Receives what is there without waiting.
    package static func receive(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> SocketReceive {
        while true {
            let n = recv(fd, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
            if n > 0 { return .bytes(n) }
            if n == 0 { return .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return .wouldBlock
            default: return .closed
            }
        }
    }

    /// Sends what the socket takes now without waiting: the byte count (0 when it is full), or nil when
    /// the peer is gone.
    package static func send(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        while true {
            let n = Glibc.send(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            if n >= 0 { return n }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK: return 0
            default: return nil
            }
        }
    }

    /// What is at `path`: nothing, a socket, or something else.
    package enum PathKind { case none, socket, other }

    package static func kind(of path: String) -> PathKind {
        var st = stat()
        guard lstat(path, &st) == 0 else { return .none }
        return (st.st_mode & S_IFMT) == S_IFSOCK ? .socket : .other
    }

    package static func unlink(_ path: String) { _ = Glibc.unlink(path) }
}
