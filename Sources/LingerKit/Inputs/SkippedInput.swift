/// An input the scan did not read, and why. Every skip is reported; none is silent.
public struct SkippedInput: Sendable, Equatable, Codable {
    public enum Reason: String, Sendable, Codable {
        /// A NUL byte in the first 8000 bytes (git's test for binary content).
        case binary
        /// Larger than `--max-file-size`.
        case tooLarge = "too-large"
        /// A symbolic link whose target lies outside the scanned tree.
        case symlinkOutsideTree = "symlink-outside-tree"
        /// A FIFO, socket or device.
        case notRegularFile = "not-a-regular-file"
        /// Could not be read: permissions, I/O error, vanished during the scan.
        case unreadable
        /// A submodule (a commit of another repository): not followed.
        case submodule
        /// Part of the history that is not in this clone (a shallow clone's boundary) or cannot be read.
        case historyUnavailable = "history-unavailable"
        /// A region where confirmation gave up (PCRE2 match limit); the rest of the input was scanned.
        case matchLimit = "match-limit"
        /// The whole input (standard input) was larger than `--max-file-size`: nothing was scanned.
        case inputTooLarge = "input-too-large"
        /// An archive, or an entry of one, not read: encrypted, an unsupported method, damaged, or
        /// past a limit (nesting depth, entry count, inflated size, ratio: an archive bomb).
        case archive
        /// An archive or compressed stream that is truncated or corrupt: what could be read
        /// before the damage was scanned, the rest could not be (an incomplete scan, exit 2).
        case damagedArchive = "damaged-archive"
    }

    public var path: String
    public var reason: Reason
    public var detail: String
    /// The blob it was, for content read from git (its path is filled in once the walk knows it).
    public var blob: GitObjectID? = nil
    /// Inside an archive: the entry's path within the outermost input (`path` ends with `!` and it).
    public var entryPath: String? = nil

    enum CodingKeys: String, CodingKey { case path, reason, detail }

    /// Whether this skip means the scan is incomplete (an error), rather than a deliberate choice.
    public var isError: Bool {
        reason == .unreadable || reason == .matchLimit || reason == .inputTooLarge || reason == .damagedArchive
    }
}
