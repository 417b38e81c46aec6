"""semphys.core.provenance: versions, command line and revision of a run."""

import json
import subprocess
import sys

import semphys
from semphys.core.provenance import collect_provenance, package_versions


def test_versions_name_python_semphys_and_the_tracked_packages():
    versions = package_versions()
    assert versions["semphys"] == semphys.__version__
    assert versions["python"] == ".".join(map(str, sys.version_info[:3]))
    assert versions["torch"] != "not installed"


def test_a_missing_package_is_reported_not_raised():
    assert package_versions(("no-such-package-semphys",))["no-such-package-semphys"] == "not installed"


def test_provenance_is_json_ready_and_has_every_field():
    provenance = collect_provenance()
    assert set(provenance) == {"versions", "command", "date", "platform", "git"}
    assert json.loads(json.dumps(provenance)) == provenance


def test_collecting_versions_does_not_import_torch():
    code = "import sys; from semphys.core.provenance import collect_provenance; collect_provenance(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
