import Foundation

/// Every date Linger writes or reads, formatted in one place: ISO 8601 in UTC.
public enum Timestamp {
    /// `2026-11-29T12:00:00Z`.
    public static func string(_ date: Date) -> String { formatter([.withInternetDateTime]).string(from: date) }

    /// `2026-11-29`.
    public static func day(_ date: Date) -> String { formatter([.withFullDate]).string(from: date) }

    /// `20261129T120000Z`, as AWS Signature Version 4 writes it.
    public static func compact(_ date: Date) -> String {
        string(date).replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }

    /// A date written `2026-11-29` (its first instant, UTC).
    public static func parseDay(_ text: String) -> Date? { formatter([.withFullDate]).date(from: text) }

    /// What `--now` and `--until` take: ISO 8601, a date, or seconds since 1970 — a finite time in
    /// years 1 to 9999.
    public static func parse(_ text: String) -> Date? {
        if let seconds = Double(text) {
            guard seconds.isFinite, seconds >= -62_135_596_800, seconds <= 253_402_300_799 else { return nil }
            return Date(timeIntervalSince1970: seconds)
        }
        return formatter([.withInternetDateTime]).date(from: text) ?? parseDay(text)
    }

    private static func formatter(_ options: ISO8601DateFormatter.Options) -> ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = options
        return formatter
    }
}
