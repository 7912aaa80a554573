//! A scripted stand-in for an ACS endpoint: it records every request and
//! answers from a list, repeating the last answer once the list runs out.
//! One request per connection (`Connection: close`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use commid::acs::hmac;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

const KEY: &[u8] = b"a test double's thirty-two bytes";

pub struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    pub fn new(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    /// An ACS error envelope.
    pub fn error(status: u16, code: &str) -> Reply {
        Reply::new(
            status,
            &format!(r#"{{"error":{{"code":"{code}","message":"Said the double."}}}}"#),
        )
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// A request as it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    /// Lowercase names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// Whether the HMAC signature covers this very request, signed with the
    /// double's key.
    pub fn signature_is_valid(&self) -> bool {
        let Some(auth) = self
            .header("authorization")
            .and_then(hmac::Authorization::parse)
        else {
            return false;
        };
        let values: Vec<String> = auth
            .signed_headers
            .iter()
            .map(|h| match h.as_str() {
                "x-ms-content-sha256" => hmac::content_hash(&self.body),
                other => self.header(other).unwrap_or_default().to_owned(),
            })
            .collect();
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        self.header("x-ms-content-sha256") == Some(&hmac::content_hash(&self.body))
            && hmac::verify(
                KEY,
                &hmac::string_to_sign(&self.method, &self.target, &values),
                &auth.signature,
            )
    }
}

pub struct Double {
    pub connection_string: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Double {
    pub fn start(replies: Vec<Reply>) -> Double {
        assert!(!replies.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let Some(request) = read_request(&stream) else {
                    continue;
                };
                let n = {
                    let mut log = log.lock().unwrap();
                    log.push(request);
                    log.len()
                };
                let reply = &replies[(n - 1).min(replies.len() - 1)];
                let _ = write_reply(stream, reply);
            }
        });
        Double {
            connection_string: format!(
                "endpoint=http://127.0.0.1:{port}/;accesskey={}",
                STANDARD.encode(KEY)
            ),
            seen,
        }
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn read_request(stream: &TcpStream) -> Option<Seen> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let (method, target) = (parts.next()?.to_owned(), parts.next()?.to_owned());
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Seen {
        method,
        target,
        headers,
        body,
    })
}

fn write_reply(mut stream: TcpStream, reply: &Reply) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} Whatever\r\nconnection: close\r\ncontent-length: {}\r\n",
        reply.status,
        reply.body.len()
    );
    if !reply.body.is_empty() {
        head.push_str("content-type: application/json\r\n");
    }
    for (name, value) in &reply.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(reply.body.as_bytes())?;
    stream.flush()
}
