import Foundation

/// Time as the store keeps it: milliseconds since 1970, in a BIGINT, the same on both engines.
public enum Clock {
    public static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
