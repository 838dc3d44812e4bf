/// One header to send: name and value bytes (nil = null value).
package struct OutgoingHeader {
    package var name: String
    package var value: [UInt8]?
    package init(name: String, value: [UInt8]?) {
        self.name = name
        self.value = value
    }
}
