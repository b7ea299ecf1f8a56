/// Facts about this build of Linger.
public enum Linger {
    public static let version = "0.1.0"
    public static let informationURI = "https://github.com/linger-scanner/linger"
}
