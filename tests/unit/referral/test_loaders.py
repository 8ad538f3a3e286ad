"""Loading the directory from JSON, HSDS CSV tables and Python data; every problem listed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slrt_core import InvalidInputError, RegionCode, Sector, Tier
from slrt_core.referral import Capacity, Sla, directory_from_records, load_directory

RECORDS: dict[str, Any] = {
    "organizations": [
        {"id": "dinsos", "name": "Dinas Sosial", "tier": "district", "region": "3374"},
        {
            "id": "ngo",
            "name": "Yayasan",
            "tier": "ngo",
            "region": "33.74.01.1001",
            "kind": "ngo",
        },
    ],
    "programs": [{"id": "PBI-JK", "organization_id": "dinsos", "name": "PBI Jaminan Kesehatan"}],
    "services": [
        {
            "id": "pbi",
            "organization_id": "dinsos",
            "program_id": "PBI-JK",
            "name": "PBI-JK proposal",
            "status": "active",
            "sectors": ["health"],
            "service_areas": [{"extent": "33.74", "extent_type": "kemendagri"}],
            "capacities": [{"available": 3, "maximum": 10, "waitlist": 2}],
            "sla": {"acknowledge_days": 1, "accept_days": 4, "complete_days": 20},
        },
        {
            "id": "clinic",
            "organization_id": "ngo",
            "name": "Free clinic",
            "status": "temporarily closed",
            "sectors": ["health", "food"],
            "tier": "ngo",
            "service_areas": ["33.74.01"],
        },
    ],
}

CSV_TABLES = {
    "organization.csv": (
        "id,name,tier,region,kind\n"
        "dinsos,Dinas Sosial,district,3374,\n"
        "ngo,Yayasan,ngo,33.74.01.1001,ngo\n"
    ),
    "program.csv": "id,organization_id,name\nPBI-JK,dinsos,PBI Jaminan Kesehatan\n",
    "service.csv": (
        "id,organization_id,program_id,name,status,sectors,tier,"
        "sla_acknowledge_days,sla_accept_days,sla_complete_days\n"
        "pbi,dinsos,PBI-JK,PBI-JK proposal,active,health,,1,4,20\n"
        "clinic,ngo,,Free clinic,temporarily closed,health;food,ngo,,,\n"
    ),
    "service_area.csv": (
        "id,service_id,name,extent,extent_type\n"
        "a1,pbi,Kota Semarang,33.74,kemendagri\n"
        "a2,clinic,Semarang Tengah,33.74.01,\n"
    ),
    "service_capacity.csv": (
        "id,service_id,available,maximum,waitlist,updated\npbi-cap,pbi,3,10,2,2026-07-01\n"
    ),
}


def write_tables(folder: Path, tables: dict[str, str]) -> Path:
    folder.mkdir(exist_ok=True)
    for name, text in tables.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def problems(excinfo: pytest.ExceptionInfo[InvalidInputError]) -> list[str]:
    return [p.path for p in excinfo.value.problems]


class TestGoodSources:
    def test_records(self) -> None:
        """Python data shaped like the JSON file gives providers and services."""
        directory = directory_from_records(RECORDS)
        pbi = directory.service("pbi")
        assert pbi.program == "PBI-JK"
        assert pbi.tier is Tier.DISTRICT
        assert pbi.area == (RegionCode("33.74"),)
        assert pbi.capacity == Capacity(available=3, maximum=10, waitlist=2)
        assert pbi.sla == Sla(acknowledge_days=1, accept_days=4, complete_days=20)
        clinic = directory.service("clinic")
        assert not clinic.active
        assert clinic.sectors == {Sector.HEALTH, Sector.FOOD}
        assert clinic.sla == Sla()
        assert directory.provider("ngo").kind == "ngo"
        assert directory.provider("dinsos").kind == "government"

    def test_json_file(self, tmp_path: Path) -> None:
        """A .json file loads like the records it holds."""
        path = tmp_path / "directory.json"
        path.write_text(json.dumps(RECORDS), encoding="utf-8")
        loaded = load_directory(path)
        assert list(loaded.services()) == list(directory_from_records(RECORDS).services())

    def test_csv_tables_equal_the_json(self, tmp_path: Path) -> None:
        """A folder of HSDS CSV tables loads the same directory as the JSON."""
        folder = write_tables(tmp_path / "hsds", CSV_TABLES)
        loaded = load_directory(str(folder))
        assert list(loaded.services()) == list(directory_from_records(RECORDS).services())
        assert loaded.providers == directory_from_records(RECORDS).providers

    def test_optional_tables_may_be_absent(self, tmp_path: Path) -> None:
        """Without program.csv and service_capacity.csv, capacity is unreported."""
        tables = {
            k: v for k, v in CSV_TABLES.items() if k not in ("program.csv", "service_capacity.csv")
        }
        loaded = load_directory(write_tables(tmp_path / "hsds", tables))
        assert loaded.service("pbi").capacity == Capacity()


class TestBadSources:
    def test_every_problem_with_file_line_and_field(self, tmp_path: Path) -> None:
        """Malformed CSV rows are all reported with their file, line and field."""
        tables = dict(CSV_TABLES)
        tables["organization.csv"] += "dinsos,Again,district,33.74,\nbad,,kabupaten,33.99,\n"
        tables["service.csv"] += (
            "pbi,dinsos,PKH,Again,active,health,,1,4,20\n"
            "x,nobody,,X,open,,village,one,,\n"
            "y,ngo,,Y,active,health;bad,,,,,extra\n"
        )
        tables["service_area.csv"] += "a3,ghost,,33.74,\na4,x,,{},geojson\n"
        tables["service_capacity.csv"] += "c2,pbi,1,1,,\nc3,clinic,5,2,,\n"
        folder = write_tables(tmp_path / "hsds", tables)
        with pytest.raises(InvalidInputError) as info:
            load_directory(folder)
        paths = problems(info)
        assert "organization.csv line 4, id" in paths
        assert "organization.csv line 5, name" in paths
        assert "organization.csv line 5, tier" in paths
        assert "organization.csv line 5, region" in paths
        assert "service.csv line 4, program_id" in paths
        assert "service.csv line 4, id" in paths
        assert "service.csv line 5, organization_id" in paths
        assert "service.csv line 5, status" in paths
        assert "service.csv line 5, sectors" in paths
        assert "service.csv line 5, sla_acknowledge_days" in paths
        assert "service.csv line 6" in paths
        assert "service_area.csv line 4, service_id" in paths
        assert "service_area.csv line 5, extent_type" in paths
        assert "service_capacity.csv line 3, service_id" in paths
        assert "service_capacity.csv line 4, available" in paths
        text = str(info.value)
        assert "is not in the Kemendagri 2025 list" in text
        assert "direktori layanan" in info.value.message("id")

    def test_missing_tables(self, tmp_path: Path) -> None:
        """A folder without the required tables names them."""
        folder = write_tables(
            tmp_path / "hsds", {"organization.csv": CSV_TABLES["organization.csv"]}
        )
        with pytest.raises(InvalidInputError, match=r"lacks service\.csv, service_area\.csv"):
            load_directory(folder)

    def test_empty_and_unreadable_files(self, tmp_path: Path) -> None:
        """An empty table and a file that is not UTF-8 are reported, not crashed on."""
        tables = dict(CSV_TABLES)
        tables["program.csv"] = ""
        folder = write_tables(tmp_path / "hsds", tables)
        (folder / "service_capacity.csv").write_bytes(b"id,service_id\n\xff\xfe\n")
        with pytest.raises(InvalidInputError) as info:
            load_directory(folder)
        assert "program.csv" in problems(info)
        assert "service_capacity.csv" in problems(info)
        assert "service.csv line 2, program_id" in problems(info)

    def test_bad_json(self, tmp_path: Path) -> None:
        """A JSON syntax error is reported with its line and column."""
        path = tmp_path / "directory.json"
        path.write_text('{"organizations": [\n  {"id": }\n]}', encoding="utf-8")
        with pytest.raises(InvalidInputError) as info:
            load_directory(path)
        assert problems(info) == ["directory.json line 2, column 10"]

    def test_unreadable_json(self, tmp_path: Path) -> None:
        """A .json file that is not UTF-8 is reported."""
        path = tmp_path / "directory.json"
        path.write_bytes(b"\xff\xfe{")
        with pytest.raises(InvalidInputError, match="Cannot read the file"):
            load_directory(path)

    def test_not_a_directory_source(self, tmp_path: Path) -> None:
        """A path that is neither a .json file nor a folder is refused."""
        with pytest.raises(InvalidInputError, match=r"neither a \.json file"):
            load_directory(tmp_path / "directory.yaml")

    def test_records_of_the_wrong_shape(self) -> None:
        """Wrong shapes in Python or JSON data are each reported with their path."""
        with pytest.raises(InvalidInputError, match="must be an object"):
            directory_from_records(["not", "a", "mapping"])
        with pytest.raises(InvalidInputError) as info:
            directory_from_records(
                {
                    "organizations": "dinsos",
                    "programs": [1],
                    "services": [
                        {
                            "id": "s",
                            "organization_id": "o",
                            "name": 5,
                            "sectors": "health",
                            "service_areas": "33.74",
                            "capacities": ["full"],
                            "sla": 3,
                        },
                        {
                            "id": "t",
                            "organization_id": "o",
                            "name": "T",
                            "sectors": 7,
                            "service_areas": [],
                            "capacities": [{"available": True}],
                        },
                    ],
                }
            )
        paths = problems(info)
        assert "records organizations" in paths
        assert "records programs[0]" in paths
        assert "records services[0], name" in paths
        assert "records services[0], service_areas" in paths
        assert "records services[0].capacities[0]" in paths
        assert "records services[0], sla" in paths
        assert "records services[1], sectors" in paths
        assert "records services[1].capacities[0], available" in paths
        with pytest.raises(InvalidInputError) as info:
            directory_from_records({})
        assert problems(info) == ["records organizations", "records services"]
