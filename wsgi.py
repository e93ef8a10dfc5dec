from wizard import create_app
from wizard.heap import settle_startup_heap

app = create_app()
settle_startup_heap()  # after everything a worker keeps for life is made (wizard/heap.py)
