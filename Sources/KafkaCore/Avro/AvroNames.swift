/// The specification's name rules: a name is `[A-Za-z_][A-Za-z0-9_]*`; a full name is names joined by
/// dots; a name without a dot takes the namespace of its definition, or of the nearest enclosing named type.
enum AvroNames {
    static func isValidName(_ name: String) -> Bool {
        var first = true
        for b in name.utf8 {
            let letter = (b | 0x20) >= UInt8(ascii: "a") && (b | 0x20) <= UInt8(ascii: "z") || b == UInt8(ascii: "_")
            let digit = b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")
            guard letter || (!first && digit) else { return false }
            first = false
        }
        return !first
    }

    /// A namespace: empty (the null namespace) or valid names joined by dots.
    static func isValidNamespace(_ namespace: String) -> Bool {
        namespace.isEmpty || namespace.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { isValidName(String($0)) }
    }

    /// The full name of `name` (as written in a definition or a reference) in `namespace`.
    static func fullName(_ name: String, namespace: String) -> String {
        if name.contains(".") || namespace.isEmpty { return name }
        return namespace + "." + name
    }

    /// The namespace part of a full name ("" for none).
    static func namespace(of fullName: String) -> String {
        guard let dot = fullName.lastIndex(of: ".") else { return "" }
        return String(fullName[..<dot])
    }

    static let primitives: Set<String> = ["null", "boolean", "int", "long", "float", "double", "bytes", "string"]
}
