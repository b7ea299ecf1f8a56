import Foundation

/// `linger status --format html`: one self-contained page (no scripts, no external resources)
/// with the counts, a chart of the still-live share against days since notification, and tables.
public struct HygieneHTMLReport: Sendable {
    public init() {}

    static func escape(_ text: String) -> String { JUnitReport.escape(text) }

    /// The still-live share by day as an SVG line chart; days with no notified secret are gaps.
    static func chart(_ curve: [StillLivePoint]) -> String {
        let width = 640.0
        let height = 260.0
        let left = 48.0
        let bottom = 36.0
        let top = 16.0
        let right = 16.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let maxDay = Double(max(1, curve.last?.day ?? 30))
        func x(_ day: Int) -> Double { left + plotWidth * Double(day) / maxDay }
        func y(_ share: Double) -> Double { top + plotHeight * (1 - share) }
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(Int(width)) \(Int(height))" role="img" \
            aria-label="Share of notified secrets still live, by days since notification">
            """
        for tick in stride(from: 0.0, through: 1.0, by: 0.25) {
            svg += String(
                format: "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", left, y(tick),
                width - right, y(tick))
            svg += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"end\">%d%%</text>", left - 6,
                y(tick) + 4, Int(tick * 100))
        }
        for day in stride(from: 0, through: Int(maxDay), by: 5) {
            svg += String(
                format: "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\">%d</text>", x(day),
                height - bottom + 16, day)
        }
        svg += String(
            format: "<text x=\"%.1f\" y=\"%.1f\" class=\"axis\" text-anchor=\"middle\">days since notification</text>",
            left + plotWidth / 2, height - 4)
        var segments: [[StillLivePoint]] = [[]]
        for point in curve {
            if point.share == nil {
                if !(segments.last?.isEmpty ?? true) { segments.append([]) }
            } else {
                segments[segments.count - 1].append(point)
            }
        }
        for segment in segments where !segment.isEmpty {
            let points = segment.map { String(format: "%.1f,%.1f", x($0.day), y($0.share ?? 0)) }
            svg += "<polyline class=\"line\" points=\"\(points.joined(separator: " "))\"/>"
            for point in segment {
                svg += String(
                    format:
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" class=\"dot\"><title>day %d: %d of %d live</title></circle>",
                    x(point.day), y(point.share ?? 0), point.day, point.live, point.notified)
            }
        }
        return svg + "</svg>"
    }

    static func table(_ secrets: [SecretStanding]) -> String {
        guard !secrets.isEmpty else { return "<p class=\"none\">None.</p>" }
        var html =
            "<table><thead><tr><th>Fingerprint</th><th>Rule</th><th>Secret</th><th>State</th><th>Notified</th>"
            + "<th>Days</th><th>SLA</th><th>Verdict</th><th>Evidence</th><th>Where</th><th>Owner</th><th>Next step</th></tr></thead><tbody>"
        for secret in secrets {
            var place = "—"
            if let first = secret.places.first {
                place = "\(escape(first.repository)) <code>\(escape(first.path)):\(first.line)</code>"
                if let commit = first.commit {
                    place += " <span class=\"small\">commit \(escape(String(commit.prefix(12))))"
                        + (first.author.map { " by \(escape($0))" } ?? "") + "</span>"
                }
                if secret.placeCount > 1 { place += " <span class=\"small\">+\(secret.placeCount - 1) more</span>" }
            }
            let owner = secret.owner.map {
                escape($0) + " <span class=\"small\">(\(escape(secret.ownerSource ?? "")))</span>"
            } ?? "—"
            let classes = ["v-" + (secret.verdict?.rawValue ?? "none")] + (secret.overdue ? ["overdue-row"] : [])
            var next: String = escape(secret.resolution?.rawValue ?? "")
            if let step = secret.nextStep {
                next = escape(step)
            } else if secret.state == .acceptedRisk {
                let until: String = secret.acceptedUntil.map { escape(HygieneTextReport.day($0)) } ?? "?"
                next = "accepted until " + until + (secret.note.map { ": " + escape($0) } ?? "")
            }
            let cells = [
                "<code>\(escape(String(secret.fingerprint.prefix(12))))</code>", escape(secret.rule),
                "<code>\(escape(secret.hint))</code>",
                escape(secret.state.rawValue) + (secret.overdue ? " <strong class=\"overdue\">overdue</strong>" : ""),
                secret.notifiedAt.map { escape(HygieneTextReport.day($0)) } ?? "—",
                secret.daysSinceNotification.map(String.init) ?? "—", String(secret.slaDays),
                secret.verdict.map { "<span class=\"\($0.rawValue)\">\($0.rawValue)</span>" } ?? "not checked",
                escape(secret.evidence ?? ""), place, owner, next,
            ]
            html += "<tr class=\"\(classes.joined(separator: " "))\">" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
        }
        return html + "</tbody></table>"
    }

    /// The per-repository, per-owner and per-team figures of a fleet ledger.
    static func breakdowns(_ status: HygieneStatus) -> String {
        var html = ""
        for (title, rows) in [
            ("By repository", status.byRepository), ("By owner", status.byOwner), ("By team", status.byTeam),
        ] where !rows.isEmpty {
            html += "<h2>\(title)</h2><table><thead><tr><th></th><th>Repositories</th><th>Secrets</th><th>Open</th>"
            html += "<th>Notified</th><th>Overdue</th><th>Not confirmed rotated</th><th>Live</th><th>Resolved</th>"
            html += "<th>Still live 5 days after notification</th><th>Median days to rotation</th></tr></thead><tbody>"
            for row in rows {
                let share = row.stillLiveDay5.flatMap { point in
                    point.share.map { "\(Int(($0 * 100).rounded()))% (\(point.live) of \(point.notified))" }
                } ?? "n/a"
                let cells = [
                    escape(row.name), "\(row.repositories)", "\(row.secrets)", "\(row.open)", "\(row.notified)",
                    "\(row.overdue)", "\(row.overdueUnrotated)", "\(row.overdueLive)", "\(row.resolved)", share,
                    row.medianDaysToRotation.map { String(format: "%.1f", $0) } ?? "n/a",
                ]
                html += "<tr>" + cells.map { "<td>\($0)</td>" }.joined() + "</tr>"
            }
            html += "</tbody></table>"
        }
        return html
    }

    public func render(_ status: HygieneStatus) -> Data {
        let generated = Timestamp.string(status.generatedAt)
        let shares = status.stillLive.map { point in
            "<div class=\"card\"><div class=\"big\">"
                + (point.share.map { "\(Int(($0 * 100).rounded()))%" } ?? "n/a")
                + "</div>still live \(HygieneTextReport.plural(point.day, "day")) after notification"
                + "<div class=\"small\">\(point.live) of \(point.notified)</div></div>"
        }.joined()
        let counts = [
            ("open", status.open), ("notified", status.notified), ("overdue", status.overdue),
            ("resolved", status.resolved), ("false positive", status.falsePositive),
            ("accepted risk", status.acceptedRisk),
        ].map { "<div class=\"card\"><div class=\"big\">\($0.1)</div>\($0.0)</div>" }.joined()
        let median = status.medianDaysToRotation.map { String(format: "%.1f days", $0) } ?? "n/a"
        let html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Linger — secret hygiene</title>
            <style>
            body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color:#1d2430}
            h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
            .cards{display:flex;flex-wrap:wrap;gap:.75rem}.card{border:1px solid #d5dae1;border-radius:6px;padding:.6rem .9rem;min-width:8rem}
            .big{font-size:1.6rem;font-weight:600}.small{color:#5b6575;font-size:.85rem}
            table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border-bottom:1px solid #e3e6eb;padding:.3rem .5rem;text-align:left;vertical-align:top}
            .live{color:#b42318;font-weight:600}.inactive{color:#067647}.unknown{color:#5b6575}.overdue{color:#b42318}
            svg{max-width:640px;width:100%;height:auto}.grid{stroke:#e3e6eb}.axis{font-size:11px;fill:#5b6575}
            .line{fill:none;stroke:#b42318;stroke-width:2}.dot{fill:#b42318}.none{color:#5b6575}
            td:nth-child(5){white-space:nowrap}.unverified{color:#b54708}
            .filters{margin:.5rem 0}.filters label{margin-right:1rem}
            #f-overdue:checked~table tbody tr:not(.overdue-row),#f-live:checked~table tbody tr:not(.v-live),
            #f-unverified:checked~table tbody tr:not(.v-unverified),#f-unknown:checked~table tbody tr:not(.v-unknown){display:none}
            </style></head><body>
            <h1>Secret hygiene</h1>
            <p class="small">Ledger <code>\(Self.escape(status.ledger))</code>, \(Self.escape(generated)). Secrets are \
            identified by fingerprint; the ledger holds no secret values.</p>
            <div class="cards">\(counts)</div>
            <h2>Still live after notification</h2>
            <div class="cards">\(shares)<div class="card"><div class="big">\(Self.escape(median))</div>median from \
            notification to rotation</div></div>
            <p>\(Self.chart(status.curve))</p>
            <p class="small">A secret counts as live on a day when a check on or after that day found it live; \
            secrets never checked that late are not counted live.</p>
            \(Self.breakdowns(status))
            <h2>Overdue</h2>
            \(Self.table(status.secrets.filter(\.overdue)))
            <h2>Oldest live secrets</h2>
            \(Self.table(status.oldestLive))
            <h2>All secrets</h2>
            <p class="small">Sorted by risk: overdue and live, overdue and not confirmed rotated, then the longest known.</p>
            <div class="filterable">
            <input type="radio" name="f" id="f-all" checked><label for="f-all">all</label>
            <input type="radio" name="f" id="f-overdue"><label for="f-overdue">overdue</label>
            <input type="radio" name="f" id="f-live"><label for="f-live">live</label>
            <input type="radio" name="f" id="f-unverified"><label for="f-unverified">unverified</label>
            <input type="radio" name="f" id="f-unknown"><label for="f-unknown">unknown</label>
            \(Self.table(status.secrets))
            </div>
            </body></html>

            """
        return Data(html.utf8)
    }
}
