package example.hello;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The hello-world service that stands in for the bank's Java applications.
 *
 * <p>It uses only the JDK's own HTTP server, so the image carries a jar of a few kilobytes and nothing
 * to patch besides the runtime. {@code /} is the application, {@code /health} is what the load balancer
 * and the container health check probe. It writes nothing to disk, so it runs on a read-only root
 * filesystem.
 */
public final class HelloWorld {
    private static final int DEFAULT_PORT = 8080;
    private static final byte[] GREETING = "Hello, world!\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] HEALTHY = "{\"status\":\"UP\"}\n".getBytes(StandardCharsets.UTF_8);

    private HelloWorld() {
    }

    public static void main(String[] args) throws IOException {
        int port = port(System.getenv("PORT"));
        // Headers and body leave in separate writes; without TCP_NODELAY, Nagle's algorithm meets the
        // client's delayed ACK and every keep-alive response waits about 40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(new InetSocketAddress(port), 0);
        ExecutorService workers = Executors.newFixedThreadPool(4 * Runtime.getRuntime().availableProcessors());
        server.setExecutor(workers);
        server.createContext("/", HelloWorld::route);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.stop(1);
            workers.shutdown();
        }));
        server.start();
        System.out.println("hello-world listening on port " + port);
    }

    /** PORT overrides 8080 for local runs; a bad value stops the start with a message that says why. */
    static int port(String value) {
        if (value == null || value.isBlank()) {
            return DEFAULT_PORT;
        }
        try {
            int port = Integer.parseInt(value.trim());
            if (port > 0 && port < 65536) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below, which names the setting and the accepted range
        }
        throw new IllegalArgumentException("PORT=" + value + " is not a TCP port; set PORT to 1-65535 or unset it");
    }

    private static void route(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            if (!"GET".equals(method) && !"HEAD".equals(method)) {
                exchange.getResponseHeaders().set("Allow", "GET, HEAD");
                respond(exchange, 405, "text/plain", new byte[0]);
                return;
            }
            switch (exchange.getRequestURI().getPath()) {
                case "/" -> respond(exchange, 200, "text/plain; charset=utf-8", GREETING);
                case "/health" -> respond(exchange, 200, "application/json", HEALTHY);
                default -> respond(exchange, 404, "text/plain", new byte[0]);
            }
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, byte[] body)
            throws IOException {
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }
}
