/// Takeoff's version.
public enum TakeoffVersion {
    public static let string = "0.1.0"
}
