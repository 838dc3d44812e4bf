/// Nanoseconds from a monotonic clock.
package enum MonotonicClock {
    package static var now: UInt64 { SystemCalls.monotonicNanoseconds() }
}
