print("kmock")
