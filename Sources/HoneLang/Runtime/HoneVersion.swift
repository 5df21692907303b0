/// hone's version: shown by `--version` and the kernel, and kept in each snapshot's manifest.
public enum HoneVersion {
    public static let string = "0.1.0"
}
