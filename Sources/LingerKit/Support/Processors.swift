import Foundation

/// The processors this process may use, read once. `ProcessInfo.activeProcessorCount` reads the
/// cgroup's quota and CPU set from /sys on every call, and each options value with a `jobs`
/// default called it: eight reads of /sys in every start.
public enum Processors {
    public static let active = ProcessInfo.processInfo.activeProcessorCount
}
