fn main() -> std::process::ExitCode {
    commid::cli::main()
}
