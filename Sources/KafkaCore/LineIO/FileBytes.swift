package enum FileBytes {
    /// Reads a small file whole (config files); larger than `limit` is an error, not a slurp.
    package static func read(path: String, limit: Int) throws(IOError) -> [UInt8] {
        let fd = try SystemCalls.open(path, .read)
        defer { SystemCalls.close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let got = chunk.withUnsafeMutableBytes { b in
                Result { () throws(IOError) in try SystemCalls.read(fd, into: b.baseAddress!, count: b.count) }
            }
            let n: Int
            switch got {
            case .success(let count?): n = count
            case .success(nil): continue  // a signal: read again
            case .failure(let error): throw IOError(code: error.code, context: path)
            }
            if n == 0 { break }
            result.append(contentsOf: chunk[0..<n])
            if result.count > limit { throw IOError(code: SystemCalls.fileTooBig, context: path) }
        }
        return result
    }

    package static func isReadableByOthers(path: String) -> Bool {
        guard let mode = SystemCalls.permissions(of: path) else { return false }
        return mode & 0o044 != 0
    }

    /// Opens a file for input; "-" is stdin.
    package static func openInput(_ path: String) throws(IOError) -> Int32 {
        if path == "-" { return 0 }
        return try SystemCalls.open(path, .read)
    }

    /// Opens a file for appending, creating it with mode 0644.
    static func openAppend(_ path: String) throws(IOError) -> Int32 {
        try SystemCalls.open(path, .append)
    }
}
