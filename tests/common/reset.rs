//! A client on a bad network: it sends a whole signed request, then resets
//! the connection (TCP RST, as a crashed client or a dropped mobile link
//! does) a moment later, without reading the answer.

use super::app::TestApp;
use std::os::fd::AsRawFd;
use std::time::{Duration, SystemTime};
use tokio::io::AsyncWriteExt;

/// `method path_and_query` with `body`, signed with the app's primary key,
/// as raw HTTP/1.1 bytes.
pub fn signed_request(app: &TestApp, method: &str, path_and_query: &str, body: &[u8]) -> Vec<u8> {
    let headers = commid::acs::sign_headers(
        method,
        path_and_query,
        &app.authority,
        body,
        &app.key,
        SystemTime::now(),
    );
    let mut request = format!(
        "{method} {path_and_query} HTTP/1.1\r\nhost: {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
        app.authority,
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

/// Sends `request` to the app and resets the connection `after` later.
pub async fn send_then_reset(app: &TestApp, request: &[u8], after: Duration) {
    let address = app.local.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address)
        .await
        .expect("the app accepts");
    stream
        .write_all(request)
        .await
        .expect("the request is sent");
    // Finer than tokio's timer: the interesting moments are sub-millisecond.
    let until = std::time::Instant::now() + after;
    while std::time::Instant::now() < until {
        tokio::task::yield_now().await;
    }
    // SO_LINGER with a zero timeout: closing sends RST, not FIN.
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket and a `linger` of the size passed.
    let set = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0, "SO_LINGER: {}", std::io::Error::last_os_error());
    drop(stream);
}
