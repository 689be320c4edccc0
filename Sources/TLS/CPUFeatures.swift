internal import CMbedTLS

/// What the CPU offers the ciphers: AES instructions (x86-64 AES-NI from cpuid; on aarch64 the
/// ARMv8 crypto extensions from the auxiliary vector; the Raspberry Pi Zero 2 W, 3 and 4 have none).
/// Asked once; no file is read, so it works inside the systemd sandbox.
public enum CPUFeatures {
    public static var hasAESInstructions: Bool { aesInstructions }
}

private let aesInstructions: Bool = shim_cpu_has_aes() != 0
