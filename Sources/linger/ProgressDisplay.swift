import Foundation
import LingerKit

/// A one-line progress display on standard error (blobs, bytes, findings, rate, ETA), redrawn a
/// few times a second while a long scan runs. Only used when standard error is a terminal.
final class ProgressDisplay: @unchecked Sendable {
    private let progress: ScanProgress
    private let started = Date()
    private var timer: DispatchSourceTimer?

    init(progress: ScanProgress) { self.progress = progress }

    func start() {
        let timer = DispatchSource.makeTimerSource(queue: .global(qos: .utility))
        timer.schedule(deadline: .now() + .milliseconds(250), repeating: .milliseconds(250))
        timer.setEventHandler { [weak self] in self?.draw() }
        timer.resume()
        self.timer = timer
    }

    func stop() {
        timer?.cancel()
        timer = nil
        FileHandleOutput.standardError.write("\r\u{1B}[K")
    }

    private func draw() {
        let state = progress.snapshot
        let elapsed = max(Date().timeIntervalSince(started), 0.001)
        let rate = Double(state.bytes) / elapsed / 1_000_000
        let total = max(state.expected ?? 0, state.discovered)
        let known = state.walkFinished || state.expected != nil
        var line = "linger: \(state.scanned)/\(total)\(known ? "" : "+") objects, "
        line += String(
            format: "%.1f MB, %.1f MB/s, %d distinct secret%@ so far", Double(state.bytes) / 1_000_000, rate,
            state.secrets, state.secrets == 1 ? "" : "s")
        if known && state.scanned > 0 && state.scanned < total {
            let remaining = elapsed / Double(state.scanned) * Double(total - state.scanned)
            line += String(format: ", ETA %.0f s", remaining)
        }
        FileHandleOutput.standardError.write("\r\u{1B}[K" + line)
    }
}
