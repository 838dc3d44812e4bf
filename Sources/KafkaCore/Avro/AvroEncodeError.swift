/// Why a JSON value does not fit an Avro schema: where in the value (`$.address.zip`, `$.items[3]`)
/// and what was expected, e.g. `$.address.zip: expected int or null, got "x"`.
package struct AvroEncodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Path components from the innermost outwards: they are added while the error unwinds, so a value
    /// that fits pays nothing for them.
    var reversedPath: [Component] = []
    package var message: String

    enum Component: Equatable, Sendable {
        case field(String)
        case index(Int)
        case key(String)
    }

    /// The JSON itself is invalid (not a value that does not fit): no union branch can take it.
    package var isSyntax = false

    init(_ message: String) { self.message = message }

    init(syntax error: JSONScanError) {
        message = "\(error)"
        isSyntax = true
    }

    /// `$` then `.name` per record field or identifier-like map key, `[3]` per array item, `["k y"]`
    /// for other map keys.
    package var path: String {
        var text = "$"
        for component in reversedPath.reversed() {
            switch component {
            case .field(let name): text += "." + name
            case .index(let index): text += "[\(index)]"
            case .key(let key):
                if AvroNames.isValidName(key) {
                    text += "." + key
                } else {
                    var quoted: [UInt8] = []
                    JSONString.appendQuoted(key, to: &quoted)
                    text += "[" + String(decoding: quoted, as: UTF8.self) + "]"
                }
            }
        }
        return text
    }

    package var description: String { path + ": " + message }

    func adding(_ component: Component) -> AvroEncodeError {
        var copy = self
        copy.reversedPath.append(component)
        return copy
    }
}
