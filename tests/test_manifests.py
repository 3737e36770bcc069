"""The container, compose and Kubernetes files: valid against their published schemas (offline,
from pip packages), and carrying every setting the app depends on, read by parsing the files.

Schemas: Kubernetes objects against kubernetes-validate's bundled schemas (strict: an unknown or
misspelled field fails); compose.yaml against the compose-spec schema that check-jsonschema
vendors. No package ships the Gateway API's CRD schemas, so the HTTPRoute's fields are checked
here against the values its specification allows.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import tomllib
import yaml

from deploy import image
from deploy.serve import COOKIE, UPLOAD_MB, streamlit_command
from rnnviz import custom

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose.yaml"
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
UPLOAD_BYTES = custom.MAX_UPLOAD_BYTES
HEALTH = "/_stcore/health"
DAY = 86400
LESSON = 3600  # an idle projector's websocket must outlive at least a lesson


def k8s_docs() -> list[tuple[Path, dict]]:
    """Every Kubernetes object under deploy/k8s (kustomization files apart)."""
    out = []
    for path in sorted(K8S.rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                out.append((path, doc))
    return out


def one(kind: str) -> dict:
    found = [doc for _, doc in k8s_docs() if doc["kind"] == kind]
    assert len(found) == 1, f"expected one {kind} under deploy/k8s, found {len(found)}"
    return found[0]


def container() -> dict:
    (c,) = one("Deployment")["spec"]["template"]["spec"]["containers"]
    return c


def env_of(c: dict) -> dict[str, object]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def seconds(text: str) -> float:
    """``86400s`` / ``24h`` / ``1d`` / ``"86400"`` → seconds."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)?", str(text).strip())
    assert m, f"not a duration: {text!r}"
    scale = {"ms": 1e-3, "s": 1, "m": 60, "h": 3600, "d": DAY, None: 1}[m.group(2)]
    return float(m.group(1)) * scale


def mebibytes(text: str) -> int:
    m = re.fullmatch(r"(\d+)([mM])", text)
    assert m, f"not a size in MiB: {text!r}"
    return int(m.group(1))


# --- the app's own settings agree with each other ----------------------------------------------


def test_the_app_limits_agree() -> None:
    assert CONFIG["server"]["maxUploadSize"] * 2**20 == UPLOAD_BYTES == UPLOAD_MB * 2**20
    assert CONFIG["runner"]["postScriptGC"] is False


# --- Dockerfile ----------------------------------------------------------------------------------


def test_image_command_has_the_replica_settings() -> None:
    """The image starts the app with the same settings deploy/serve.py gives each replica."""
    entry, cmd = image.entrypoint(), image.cmd()
    assert entry == ["/usr/bin/tini", "--"]  # PID 1 passes SIGTERM on, reaps children
    assert image.command() == entry + cmd
    assert cmd[:3] == ["streamlit", "run", "app.py"]
    got, want = image.flags(cmd), image.flags(streamlit_command(8601))
    assert got["server.address"] == "0.0.0.0"  # reachable from outside the container
    for key in ("server.address", "server.port"):
        want.pop(key)
        got.pop(key)
    assert got == want
    assert got["server.maxUploadSize"] == str(CONFIG["server"]["maxUploadSize"])
    assert got["runner.postScriptGC"] == "false"
    assert got["server.enableXsrfProtection"] == "true"


def test_image_environment_threads_and_data() -> None:
    env = image.environment()
    for key in ("RNNVIZ_TORCH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[key] == "1", key
    words = image.instructions()
    volumes = [v for w, a in words if w == "VOLUME" for v in image.exec_form(a)]
    assert env["RNNVIZ_DATA_DIR"] in volumes  # uploads in the volume
    # Corpus indexes and the compiled tracer live in the image, outside the volume: an empty
    # volume (a Kubernetes emptyDir) still finds them.
    for key in ("RNNVIZ_CORPUS_DIR", "TORCH_EXTENSIONS_DIR"):
        assert not env[key].startswith(env["RNNVIZ_DATA_DIR"]), key


def test_image_runs_as_a_user_and_prebuilds_as_that_user() -> None:
    words = image.instructions()
    users = [(i, a) for i, (w, a) in enumerate(words) if w == "USER"]
    assert users and users[-1][1] not in ("root", "0", "0:0")
    prebuild = [i for i, (w, a) in enumerate(words) if w == "RUN" and "deploy.prebuild" in a]
    assert prebuild, "the image does not build the tracer and corpus indexes"
    assert prebuild[-1] > users[-1][0], "prebuild must run as the app's user (it owns the files)"
    cmd_at = max(i for i, (w, _) in enumerate(words) if w == "CMD")
    assert cmd_at > users[-1][0]
    uid = re.search(r"useradd --uid (\d+)", " ".join(a for w, a in words if w == "RUN"))
    assert uid and int(uid.group(1)) >= 1000


def test_image_healthcheck_asks_the_app() -> None:
    options, cmd = image.healthcheck()
    port = image.flags(image.command())["server.port"]
    assert f"http://127.0.0.1:{port}{HEALTH}" in " ".join(cmd)
    assert seconds(options["timeout"]) < seconds(options["interval"])
    assert port in [a for w, a in image.instructions() if w == "EXPOSE"]


def test_image_installs_the_cpu_torch() -> None:
    reqs = (ROOT / "requirements.txt").read_text().splitlines()
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in reqs
    assert "torch==2.13.0" in reqs
    runs = [a for w, a in image.instructions() if w == "RUN"]
    assert any("pip install -r /app/requirements.txt" in r for r in runs)


def test_dockerignore_keeps_what_the_image_needs() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for needed in (
        "app.py",
        "rnnviz",
        "pages",
        "assets",
        "deploy",
        ".streamlit",
        "requirements.txt",
    ):
        assert needed not in ignored
    assert ".git" in ignored


# --- compose -------------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def labels(service: dict) -> dict[str, str]:
    raw = service.get("labels", {})
    if isinstance(raw, dict):
        return {k: str(v) for k, v in raw.items()}
    return dict(item.split("=", 1) for item in raw)


def cli_flags(args: list[str]) -> dict[str, str]:
    return {k: v for k, v in (a[2:].split("=", 1) for a in args if a.startswith("--") and "=" in a)}


def test_compose_matches_the_compose_spec() -> None:
    schema_text = (
        resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    ).read_text()
    schema = yaml.safe_load(schema_text)  # JSON is YAML
    jsonschema.validate(compose(), schema)
    bad = compose()
    bad["services"]["app"]["deploy"]["resources"]["limits"]["cpu"] = "1"  # misspelled
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)


def test_compose_scales_the_app_behind_a_sticky_balancer() -> None:
    services = compose()["services"]
    app, proxy = services["app"], services["proxy"]
    # --scale app=K: no fixed name and no host port on the replicas
    assert "container_name" not in app and "ports" not in app
    assert app["build"]["context"] == ".." and (COMPOSE.parent / ".." / "Dockerfile").is_file()
    lab = labels(app)
    svc = "traefik.http.services.rnnviz.loadbalancer"
    assert lab["traefik.enable"] == "true"
    assert lab[f"{svc}.sticky.cookie"] == "true"
    assert lab[f"{svc}.sticky.cookie.name"] == COOKIE
    assert lab[f"{svc}.sticky.cookie.httponly"] == "true"
    assert lab[f"{svc}.healthcheck.path"] == HEALTH
    assert lab[f"{svc}.server.port"] == image.flags(image.command())["server.port"]
    # every router goes to the sticky service
    routers = {k.split(".")[3] for k in lab if k.startswith("traefik.http.routers.")}
    assert routers and all(lab[f"traefik.http.routers.{r}.service"] == "rnnviz" for r in routers)
    # upload size = the app's limit, enforced on the upload path only (buffering a websocket
    # would break it)
    upload = [r for r in routers if "upload_file" in lab[f"traefik.http.routers.{r}.rule"]]
    assert len(upload) == 1
    (middleware,) = lab[f"traefik.http.routers.{upload[0]}.middlewares"].split(",")
    key = f"traefik.http.middlewares.{middleware}.buffering.maxRequestBodyBytes"
    assert int(lab[key]) == UPLOAD_BYTES
    for r in routers - set(upload):
        assert f"traefik.http.routers.{r}.middlewares" not in lab
    # the balancer discovers replicas by itself (Docker provider), and keeps idle websockets
    flags = cli_flags(proxy["command"])
    assert flags["providers.docker"] == "true"
    assert "/var/run/docker.sock:/var/run/docker.sock:ro" in proxy["volumes"]
    for kind in ("readTimeout", "writeTimeout", "idleTimeout"):
        timeout = flags[f"entrypoints.web.transport.respondingTimeouts.{kind}"]
        assert seconds(timeout) >= LESSON, kind
    assert "ip_hash" not in COMPOSE.read_text()


def test_compose_app_settings() -> None:
    app = compose()["services"]["app"]
    env = app["environment"]
    for key in ("RNNVIZ_TORCH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert str(env[key]) == "1"
    assert "STREAMLIT_SERVER_COOKIE_SECRET" in env  # one secret shared by every replica
    assert float(app["deploy"]["resources"]["limits"]["cpus"]) == 1.0


# --- Kubernetes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "doc"),
    [
        pytest.param(p, d, id=f"{p.relative_to(K8S)}:{d['kind']}")
        for p, d in k8s_docs()
        if d["apiVersion"].split("/")[0] != "gateway.networking.k8s.io"
    ],
)
def test_k8s_objects_match_the_kubernetes_schema(path: Path, doc: dict) -> None:
    version = kubernetes_validate.latest_version()
    kubernetes_validate.validate(doc, version, strict=True)


def test_k8s_schema_check_catches_a_typo() -> None:
    bad = one("Deployment")
    bad["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, kubernetes_validate.latest_version(), strict=True)


def test_k8s_kustomizations_name_every_file() -> None:
    named: set[Path] = set()
    for kfile in K8S.rglob("kustomization.yaml"):
        k = yaml.safe_load(kfile.read_text())
        for res in k["resources"]:
            target = (kfile.parent / res).resolve()
            assert target.exists(), f"{kfile}: {res} does not exist"
            if target.is_dir():
                assert (target / "kustomization.yaml").is_file()
            named.add(target)
    for path, _ in k8s_docs():
        assert path.resolve() in named, f"{path} is in no kustomization"
    base = yaml.safe_load((K8S / "base" / "kustomization.yaml").read_text())
    assert [i["name"] for i in base["images"]] == [container()["image"].split(":")[0]]


def test_deployment_probes_resources_and_env() -> None:
    c = container()
    port = next(p for p in c["ports"] if p["name"] == "http")
    assert str(port["containerPort"]) == image.flags(image.command())["server.port"]
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        get = c[probe]["httpGet"]
        assert get["path"] == HEALTH and get["port"] in ("http", port["containerPort"]), probe
    assert c["resources"]["requests"]["cpu"] in ("1", 1, "1000m")
    env = env_of(c)
    for key in ("RNNVIZ_TORCH_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env[key] == "1"
    secret = env["STREAMLIT_SERVER_COOKIE_SECRET"]
    assert isinstance(secret, dict) and "secretKeyRef" in secret
    # pod-local data: the data directory is an emptyDir
    mount = next(m for m in c["volumeMounts"] if m["mountPath"] == env["RNNVIZ_DATA_DIR"])
    pod = one("Deployment")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
    assert "emptyDir" in volume
    assert env["RNNVIZ_DATA_DIR"] == image.environment()["RNNVIZ_DATA_DIR"]
    # runs as the image's user, not root
    assert pod["securityContext"]["runAsNonRoot"] is True
    uid = re.search(
        r"useradd --uid (\d+)", " ".join(a for w, a in image.instructions() if w == "RUN")
    )
    assert uid and pod["securityContext"]["runAsUser"] == int(uid.group(1))  # the image's user


def test_service_and_hpa_point_at_the_deployment() -> None:
    dep, svc, hpa = one("Deployment"), one("Service"), one("HorizontalPodAutoscaler")
    labels_ = dep["spec"]["template"]["metadata"]["labels"]
    assert all(labels_.get(k) == v for k, v in svc["spec"]["selector"].items())
    assert svc["spec"]["ports"][0]["targetPort"] == "http"
    ref = hpa["spec"]["scaleTargetRef"]
    assert (ref["kind"], ref["name"]) == ("Deployment", dep["metadata"]["name"])
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    # scaling down stops pods and their students' sessions: not within a lesson
    assert hpa["spec"]["behavior"]["scaleDown"]["stabilizationWindowSeconds"] >= LESSON


def test_httproute_sticky_by_cookie_without_timeouts() -> None:
    route, svc = one("HTTPRoute"), one("Service")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    (rule,) = route["spec"]["rules"]
    (backend,) = rule["backendRefs"]
    assert (backend["name"], backend["port"]) == (
        svc["metadata"]["name"],
        svc["spec"]["ports"][0]["port"],
    )
    persistence = rule["sessionPersistence"]
    assert persistence["type"] == "Cookie"  # the spec allows Cookie | Header
    assert persistence["sessionName"] == COOKIE
    assert persistence["cookieConfig"]["lifetimeType"] in ("Session", "Permanent")
    assert set(rule["timeouts"]) <= {"request", "backendRequest"}
    assert all(seconds(v) == 0 for v in rule["timeouts"].values())  # 0s: no timeout
    assert route["spec"]["parentRefs"][0]["name"]


def test_ingress_nginx_cookie_affinity_timeouts_and_body_size() -> None:
    ing, svc = one("Ingress"), one("Service")
    ann = ing["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert ann[prefix + "affinity"] == "cookie"
    assert ann[prefix + "session-cookie-name"] == COOKIE
    assert seconds(ann[prefix + "proxy-read-timeout"]) >= LESSON
    assert seconds(ann[prefix + "proxy-send-timeout"]) >= LESSON
    assert mebibytes(ann[prefix + "proxy-body-size"]) * 2**20 == UPLOAD_BYTES
    (rule,) = ing["spec"]["rules"]
    (path,) = rule["http"]["paths"]
    assert path["backend"]["service"]["name"] == svc["metadata"]["name"]
    assert path["backend"]["service"]["port"]["name"] == svc["spec"]["ports"][0]["name"]
