/// An errno with its text, for I/O failures on our own input and output.
package struct IOError: Error, CustomStringConvertible, Sendable {
    package var code: Int32
    var context: String
    init(code: Int32, context: String) {
        self.code = code
        self.context = context
    }
    package var description: String { "\(context): \(SystemCalls.errorText(code))" }
    var isBrokenPipe: Bool { code == SystemCalls.brokenPipe }
    /// A non-blocking descriptor had nothing to read.
    package var isWouldBlock: Bool { code == SystemCalls.wouldBlock }
}
