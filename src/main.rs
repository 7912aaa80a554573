// mimalloc rather than the system's malloc: faster on the request path
// (Cargo.toml says why and how much).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    commid::cli::main()
}
