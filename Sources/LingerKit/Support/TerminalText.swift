/// Text from scanned content made safe for a terminal: control characters (C0 but newline and
/// tab, DEL, C1) are shown as `\xNN` escapes, so a file cannot move the cursor, retitle the
/// window, clear the screen or hide a finding behind a carriage return.
public enum TerminalText {
    /// The whole report: newlines (the report's own line structure) and tabs are kept.
    public static func neutralise(_ text: String) -> String { escape(text, keepingNewlines: true) }

    /// One field that must stay on its line (a path, a commit summary): newlines escaped too.
    public static func line(_ text: String) -> String { escape(text, keepingNewlines: false) }

    static func escape(_ text: String, keepingNewlines: Bool) -> String {
        guard text.unicodeScalars.contains(where: { isControl($0, keepingNewlines: keepingNewlines) }) else {
            return text
        }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if isControl(scalar, keepingNewlines: keepingNewlines) {
                // `\x1b` for a byte-sized control, `\u{202e}` beyond (unambiguous either way).
                let hex = String(scalar.value, radix: 16)
                let shown = scalar.value > 0xFF ? "\\u{" + hex + "}" : "\\x" + (hex.count < 2 ? "0" + hex : hex)
                result.append(contentsOf: shown.unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }

    static func isControl(_ scalar: Unicode.Scalar, keepingNewlines: Bool) -> Bool {
        switch scalar.value {
        case 0x0A: return !keepingNewlines
        case 0x09: return false
        case 0x00..<0x20, 0x7F, 0x80..<0xA0: return true
        // Bidirectional controls reorder what the terminal shows (a path or line that reads as
        // something else, "Trojan Source"): shown as their code points.
        case 0x061C, 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true
        // Invisible or line-breaking: soft hyphen, Mongolian vowel separator, zero-width space,
        // line and paragraph separators, word joiner, byte-order mark.
        case 0x00AD, 0x180E, 0x200B, 0x2028, 0x2029, 0x2060, 0xFEFF: return true
        default: return false
        }
    }
}
