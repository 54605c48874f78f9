"""Register API: vacancy."""

from fastapi import APIRouter

router = APIRouter(tags=["vacancy"])
