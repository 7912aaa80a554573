//! A real `commid serve` as a child process, killed whatever way the test ends.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub struct Server {
    child: Child,
    /// `endpoint=…;accesskey=…` of resource `default`.
    pub connection_string: String,
    /// The certificate to trust, when serving TLS.
    pub ca_cert: Option<PathBuf>,
    _data_dir: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Plain HTTP.
    pub fn http() -> Server {
        Server::start(true, None)
    }

    /// Plain HTTP with a configuration file.
    pub fn http_with_config(config: &std::path::Path) -> Server {
        Server::start(true, Some(config))
    }

    /// HTTPS with the self-signed certificate `serve` makes.
    pub fn tls() -> Server {
        Server::start(false, None)
    }

    fn start(http: bool, config: Option<&std::path::Path>) -> Server {
        let data_dir = tempfile::tempdir().unwrap();
        let mut command = Command::new(env!("CARGO_BIN_EXE_commid"));
        command.args(["serve", "--listen", "127.0.0.1:0", "--workers", "1"]);
        if http {
            command.arg("--http");
        }
        if let Some(config) = config {
            command.arg("--config").arg(config);
        }
        let mut child = command
            .arg("--data-dir")
            .arg(data_dir.path())
            .env("RUST_LOG", "warn")
            .env_remove("COMMID_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let mut server = Server {
            child,
            connection_string: String::new(),
            ca_cert: None,
            _data_dir: data_dir,
        };
        // Lines arrive on a thread, which keeps draining stdout afterwards so
        // the server never blocks on it.
        let (lines, received) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        while server.connection_string.is_empty() || (!http && server.ca_cert.is_none()) {
            let line = received
                .recv_timeout(Duration::from_secs(30))
                .expect("the server prints its connection string and certificate");
            if let Some(cs) = line.strip_prefix("Connection string: ") {
                server.connection_string = cs.to_owned();
            } else if let Some(path) = line.strip_prefix("TLS certificate: ") {
                server.ca_cert = Some(PathBuf::from(path));
            }
        }
        server
    }
}
