/// What a run has learnt from the registry, so each schema is fetched once: schemas by id, and the ids
/// of subject versions (`latest` is asked once per run, then stays what it was). Bounded: at most
/// `capacity` entries in each map (1,000 by default); past that the least recently used entry goes, so a
/// run over more schemas than that still works, fetching again what it evicted.
package struct SchemaCache<Value: Sendable>: Sendable {
    package let capacity: Int
    private var byID: [Int32: Entry<Value>] = [:]
    private var bySubject: [SubjectVersion: Entry<Int32>] = [:]
    private var clock: UInt64 = 0

    private struct Entry<T: Sendable>: Sendable {
        var value: T
        var used: UInt64
    }

    /// A subject and a version; `version` nil is `latest`.
    package struct SubjectVersion: Hashable, Sendable {
        package var subject: String
        package var version: Int32?
        package init(_ subject: String, _ version: Int32?) {
            self.subject = subject
            self.version = version
        }
    }

    package static var defaultCapacity: Int { 1_000 }

    package init(capacity: Int = SchemaCache.defaultCapacity) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    package var count: Int { byID.count }

    package mutating func schema(id: Int32) -> Value? {
        clock &+= 1
        guard var entry = byID[id] else { return nil }
        entry.used = clock
        byID[id] = entry
        return entry.value
    }

    package mutating func insert(id: Int32, _ value: Value) {
        clock &+= 1
        if byID[id] == nil, byID.count >= capacity, let oldest = byID.min(by: { $0.value.used < $1.value.used })?.key {
            byID.removeValue(forKey: oldest)
        }
        byID[id] = Entry(value: value, used: clock)
    }

    package mutating func id(of key: SubjectVersion) -> Int32? {
        clock &+= 1
        guard var entry = bySubject[key] else { return nil }
        entry.used = clock
        bySubject[key] = entry
        return entry.value
    }

    package mutating func insert(_ key: SubjectVersion, id: Int32) {
        clock &+= 1
        if bySubject[key] == nil, bySubject.count >= capacity,
           let oldest = bySubject.min(by: { $0.value.used < $1.value.used })?.key {
            bySubject.removeValue(forKey: oldest)
        }
        bySubject[key] = Entry(value: id, used: clock)
    }
}
