// The demo's HTTP/1.1 parser (RFC 9112), fed like a socket would: requests
// in one piece, byte by byte, pipelined; and what it answers to malformed,
// oversized and unsupported requests. Responses: Content-Length, chunked,
// read-until-close. URLs and Location resolution.
#include "http_parser.h"

#include <catch2/catch.hpp>

#include <string>

using namespace sansrtc::demo;

namespace {

const std::string kWhipPost =
    "POST /whip HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 9\r\n"
    "\r\n"
    "v=0\r\no=- ";

}  // namespace

TEST_CASE("a WHIP POST in one piece parses into method, target, fields and body") {
  HttpRequestParser p;
  REQUIRE(p.feed(kWhipPost) == HttpParseStatus::complete);
  const HttpRequest& r = p.request();
  CHECK(r.method == "POST");
  CHECK(r.target == "/whip");
  CHECK(r.version_minor == 1);
  REQUIRE(r.header("content-type"));
  CHECK(*r.header("CONTENT-TYPE") == "application/sdp");
  CHECK(r.body == "v=0\r\no=- ");
  CHECK(r.keep_alive());
  CHECK(p.next() == HttpParseStatus::need_more);
  CHECK(p.buffered() == 0);
}

TEST_CASE("the same request fed one byte at a time completes only on the last byte") {
  HttpRequestParser p;
  for (size_t i = 0; i + 1 < kWhipPost.size(); ++i)
    REQUIRE(p.feed(kWhipPost.substr(i, 1)) == HttpParseStatus::need_more);
  REQUIRE(p.feed(kWhipPost.substr(kWhipPost.size() - 1)) == HttpParseStatus::complete);
  CHECK(p.request().body == "v=0\r\no=- ");
}

TEST_CASE("pipelined requests come out one after the other") {
  HttpRequestParser p;
  const std::string two = "GET / HTTP/1.1\r\nHost: a\r\n\r\nDELETE /whip/abc?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
  REQUIRE(p.feed(two) == HttpParseStatus::complete);
  CHECK(p.request().method == "GET");
  CHECK(p.request().body.empty());
  REQUIRE(p.next() == HttpParseStatus::complete);
  CHECK(p.request().method == "DELETE");
  CHECK(p.request().path() == "/whip/abc");
  CHECK_FALSE(p.request().keep_alive());
}

TEST_CASE("bare LF line endings and a leading empty line are accepted (RFC 9112 §2.2)") {
  HttpRequestParser p;
  REQUIRE(p.feed("\r\nGET /stats HTTP/1.0\nHost: x\n\n") == HttpParseStatus::complete);
  CHECK(p.request().target == "/stats");
  CHECK(p.request().version_minor == 0);
  CHECK_FALSE(p.request().keep_alive());  // HTTP/1.0 without keep-alive
}

TEST_CASE("HTTP/1.0 with Connection: keep-alive persists") {
  HttpRequestParser p;
  REQUIRE(p.feed("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n") == HttpParseStatus::complete);
  CHECK(p.request().keep_alive());
}

TEST_CASE("malformed requests stop the parser with 400") {
  const char* bad[] = {
      "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                 // two spaces
      "GET / HTTP/1.1 x\r\nHost: a\r\n\r\n",                // extra token
      "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",                  // not a token
      "GET / HTTQ/1.1\r\nHost: a\r\n\r\n",                  // version
      "GET / HTTP/1.1\r\nHost : a\r\n\r\n",                 // space before colon (§5.1 MUST 400)
      "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",       // obs-fold
      "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n",
      "GET / HTTP/1.1\r\n\r\n",                             // HTTP/1.1 without Host (§3.2 MUST 400)
      "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",       // two Hosts
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1x\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n",               // bare CR
  };
  for (const char* req : bad) {
    INFO(req);
    HttpRequestParser p;
    CHECK(p.feed(req) == HttpParseStatus::error);
    CHECK(p.error_status() == 400);
    // Once failed it stays failed.
    CHECK(p.feed("GET / HTTP/1.1\r\nHost: a\r\n\r\n") == HttpParseStatus::error);
  }
}

TEST_CASE("identical repeated Content-Length values are one length (RFC 9112 §6.3)") {
  HttpRequestParser p;
  REQUIRE(p.feed("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nok") == HttpParseStatus::complete);
  CHECK(p.request().body == "ok");
}

TEST_CASE("a chunked request body is answered 501, another HTTP major version 505") {
  HttpRequestParser p;
  CHECK(p.feed("POST /whip HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n") == HttpParseStatus::error);
  CHECK(p.error_status() == 501);
  HttpRequestParser q;
  CHECK(q.feed("GET / HTTP/2.0\r\nHost: a\r\n\r\n") == HttpParseStatus::error);
  CHECK(q.error_status() == 505);
}

TEST_CASE("bounds: a head over 16 KiB is 431, a body over 1 MiB is 413, found before the bytes arrive") {
  HttpRequestParser p;
  std::string head = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + std::string(17000, 'a');
  CHECK(p.feed(head) == HttpParseStatus::error);  // no end of head yet, already too large
  CHECK(p.error_status() == 431);

  HttpRequestParser q;
  CHECK(q.feed("POST /whip HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n") == HttpParseStatus::error);
  CHECK(q.error_status() == 413);

  HttpRequestParser exact;
  std::string body(1024 * 1024, 'x');
  CHECK(exact.feed("POST /whip HTTP/1.1\r\nHost: a\r\nContent-Length: 1048576\r\n\r\n") == HttpParseStatus::need_more);
  CHECK(exact.feed(body) == HttpParseStatus::complete);
  CHECK(exact.request().body.size() == body.size());

  HttpLimits few;
  few.max_headers = 2;
  HttpRequestParser r(few);
  CHECK(r.feed("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n") == HttpParseStatus::error);
  CHECK(r.error_status() == 431);
}

TEST_CASE("media_type drops parameters and case") {
  CHECK(media_type("Application/SDP; charset=utf-8") == "application/sdp");
  CHECK(media_type(" application/trickle-ice-sdpfrag ") == "application/trickle-ice-sdpfrag");
  CHECK(media_type("") == "");
}

TEST_CASE("responses serialize with Content-Length, except 204") {
  HttpResponse r;
  r.status = 201;
  r.set("Location", "/whip/abc").set("Content-Type", "application/sdp").set("Content-Length", "999");
  r.body = "v=0\r\n";
  CHECK(serialize_response(r) ==
        "HTTP/1.1 201 Created\r\nLocation: /whip/abc\r\nContent-Type: application/sdp\r\nContent-Length: 5\r\n\r\nv=0\r\n");
  HttpResponse n;
  n.status = 204;
  n.body = "ignored";
  CHECK(serialize_response(n) == "HTTP/1.1 204 No Content\r\n\r\n");
}

TEST_CASE("a serialized response parses back; Content-Length split anywhere") {
  HttpResponse r;
  r.status = 201;
  r.set("Location", "/whip/abc");
  r.body = "answer";
  const std::string wire = serialize_response(r);
  for (size_t split = 0; split <= wire.size(); ++split) {
    HttpResponseParser p;
    p.feed(wire.substr(0, split));
    REQUIRE(p.feed(wire.substr(split)) == HttpParseStatus::complete);
    CHECK(p.response().status == 201);
    CHECK(p.response().reason == "Created");
    CHECK(*p.response().header("location") == "/whip/abc");
    CHECK(p.response().body == "answer");
  }
}

TEST_CASE("chunked responses (RFC 9112 §7.1) decode, with extensions and trailers, in any split") {
  const std::string wire =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
      "4;ext=1\r\nv=0\r\r\n3\r\n\no=\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t split = 0; split <= wire.size(); ++split) {
    HttpResponseParser p;
    p.feed(wire.substr(0, split));
    REQUIRE(p.feed(wire.substr(split)) == HttpParseStatus::complete);
    CHECK(p.response().body == "v=0\r\no=");
  }
  HttpResponseParser bad;
  CHECK(bad.feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n") == HttpParseStatus::error);
}

TEST_CASE("a response without length ends when the connection closes; a truncated one is an error") {
  HttpResponseParser p;
  CHECK(p.feed("HTTP/1.0 200 OK\r\n\r\nbody") == HttpParseStatus::need_more);
  CHECK(p.finish() == HttpParseStatus::complete);
  CHECK(p.response().body == "body");

  HttpResponseParser q;
  CHECK(q.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") == HttpParseStatus::need_more);
  CHECK(q.finish() == HttpParseStatus::error);
}

TEST_CASE("interim 1xx responses are skipped; 204 has no body") {
  HttpResponseParser p;
  CHECK(p.feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n") == HttpParseStatus::complete);
  CHECK(p.response().status == 204);
}

TEST_CASE("http URLs split into host, port and target; other schemes are refused") {
  auto u = parse_http_url("http://127.0.0.1:8080/whip");
  REQUIRE(u);
  CHECK(u->host == "127.0.0.1");
  CHECK(u->port == 8080);
  CHECK(u->target == "/whip");
  CHECK(u->host_field() == "127.0.0.1:8080");
  auto v6 = parse_http_url("HTTP://[::1]:9/x?y=1#frag");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->target == "/x?y=1");
  CHECK(v6->host_field() == "[::1]:9");
  auto bare = parse_http_url("http://example.com");
  REQUIRE(bare);
  CHECK(bare->port == 80);
  CHECK(bare->target == "/");
  CHECK(bare->host_field() == "example.com");
  CHECK_FALSE(parse_http_url("https://example.com/whip"));
  CHECK_FALSE(parse_http_url("http://:80/"));
  CHECK_FALSE(parse_http_url("http://a:0/"));
  CHECK_FALSE(parse_http_url("http://a:65536/"));
  CHECK_FALSE(parse_http_url("http://user@a/"));
  CHECK_FALSE(parse_http_url("http://[::1/"));
}

TEST_CASE("Location values resolve against the endpoint URL (RFC 9110 §10.2.2)") {
  const HttpUrl base = *parse_http_url("http://127.0.0.1:8080/api/whip");
  CHECK(resolve_location(base, "/whip/abc")->target == "/whip/abc");
  CHECK(resolve_location(base, "abc")->target == "/api/abc");
  auto abs = resolve_location(base, "http://10.0.0.1:9000/r/1");
  REQUIRE(abs);
  CHECK(abs->host == "10.0.0.1");
  CHECK(abs->port == 9000);
  CHECK_FALSE(resolve_location(base, ""));
  CHECK_FALSE(resolve_location(base, "https://x/"));
}
