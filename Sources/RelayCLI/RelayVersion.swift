/// The relay's version, printed by `xmpp-relay version` and logged at start.
public enum RelayVersion {
    public static let string = "0.1.0"
}
